// The REST API, as the page uses it: reads, and bans/unbans that ask for the token when the API
// wants one (kept in sessionStorage: this tab only, gone when it closes).
import { askToken } from './token.js';

const TOKEN_KEY = 'floodwatch.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function problemText(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { title?: string; detail?: string };
    return body.detail ?? body.title ?? `${response.status} ${response.statusText}`;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

export async function get<T>(path: string): Promise<T> {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new ApiError(response.status, await problemText(response));
  return (await response.json()) as T;
}

/**
 * POST or DELETE. On 401 it asks for the token (saying why the last one was refused) and sends
 * again; cancelling the question throws the server's message.
 */
export async function change<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let refusal: string | null = null;
  for (;;) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    // Same origin: the browser sends Origin, which the API checks for every change.
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' });
    if (response.ok) return (await response.json()) as T;
    const message = await problemText(response);
    if (response.status !== 401) throw new ApiError(response.status, message);
    if (token) sessionStorage.removeItem(TOKEN_KEY);
    refusal = token ? message : refusal;
    const next = await askToken(refusal);
    if (next === null) throw new ApiError(401, message);
    sessionStorage.setItem(TOKEN_KEY, next);
  }
}

export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}
