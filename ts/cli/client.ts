// The client the CLI commands talk to the daemon's REST API with: where the API is, which token
// to send, and errors that tell the operator what to do.
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config/load.js';
import type { ApiConfig } from '../config/schema.js';
import { formatListenAddress, parseListenAddress } from '../config/listen-address.js';
import { formatAddress } from '../config/prefix.js';

/** Where `floodwatch run` listens with no config file (the embedded default's api.listen). */
export const DEFAULT_URL = 'http://127.0.0.1:7780';
export const DEFAULT_TIMEOUT_MS = 5000;

export const EXIT_OK = 0;
/** The API or the daemon said no, or could not be reached. */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** An error the command reports as `floodwatch COMMAND: message` and exits with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILED,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
    this.name = 'UsageError';
  }
}

/** The API answered with an error. */
export class ApiError extends CliError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message, EXIT_FAILED);
    this.name = 'ApiError';
  }
}

// ---------------------------------------------------------------------------------------------
// Finding the API

export interface ConnectionOptions {
  url?: string;
  token?: string;
  config?: string;
}

export interface Endpoint {
  /** Without a trailing slash: http://127.0.0.1:7780 */
  url: string;
  token: string | undefined;
}

/**
 * The URL from --url, FLOODWATCH_URL, the config file's api.listen, or the embedded default;
 * the token from --token, FLOODWATCH_API_TOKEN, or the config file's first api.tokens.
 */
export async function resolveEndpoint(options: ConnectionOptions, env: NodeJS.ProcessEnv = process.env): Promise<Endpoint> {
  const urlFlag = options.url !== undefined ? { text: options.url, from: '--url' } : undefined;
  const urlEnv = nonEmpty(env.FLOODWATCH_URL) !== undefined ? { text: env.FLOODWATCH_URL!, from: 'FLOODWATCH_URL' } : undefined;
  const givenUrl = urlFlag ?? urlEnv;
  const givenToken = options.token ?? nonEmpty(env.FLOODWATCH_API_TOKEN?.trim());
  const needsConfig = options.config !== undefined && (givenUrl === undefined || givenToken === undefined);
  const api = needsConfig ? await loadApiSection(options.config!) : undefined;
  let url = DEFAULT_URL;
  if (givenUrl) url = normalizeUrl(givenUrl.text, givenUrl.from);
  else if (api) url = urlFromConfig(api, options.config!);
  return { url, token: givenToken ?? api?.tokens[0] };
}

/** The URL to reach an API listening on `listen`; a wildcard address means this host's loopback. */
export function urlFromListen(listen: string): string {
  const parsed = parseListenAddress(listen);
  if (!parsed.ok) throw new CliError(`api.listen ${parsed.reason}`);
  const { address, port } = parsed.value;
  const wildcard = formatAddress(address) === (address.family === 4 ? '0.0.0.0' : '::');
  const host = !wildcard ? formatListenAddress(parsed.value) : address.family === 4 ? `127.0.0.1:${port}` : `[::1]:${port}`;
  return `http://${host}`;
}

async function loadApiSection(path: string): Promise<ApiConfig> {
  try {
    return (await loadConfig(path)).config.api;
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(`${error.message}\n(fix the file, or give the API's address with --url or FLOODWATCH_URL)`);
    throw error;
  }
}

function urlFromConfig(api: ApiConfig, path: string): string {
  if (!api.enabled) throw new CliError(`${path} turns the REST API off (api.enabled: false): turn it on and restart floodwatch`);
  return urlFromListen(api.listen);
}

/** Accepts `http://host:port`, `https://...`, or a bare `host:port`. */
function normalizeUrl(text: string, from: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`${from} '${text}' is not a URL (write e.g. http://127.0.0.1:7780)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${from} '${text}': floodwatch's API speaks http or https, not ${url.protocol.slice(0, -1)}`);
  }
  return url.href.replace(/\/+$/, '');
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

// ---------------------------------------------------------------------------------------------
// Talking to it

interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  /** fastify's own errors (404 for an unknown route) say `message`. */
  message?: string;
}

export class ApiClient {
  readonly url: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;

  constructor(endpoint: Endpoint, timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.url = endpoint.url;
    this.#token = endpoint.token;
    this.#timeoutMs = timeoutMs;
  }

  get<T>(path: string): Promise<T> {
    return this.#request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.#request<T>('POST', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.#request<T>('DELETE', path);
  }

  async #request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.url + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw new CliError(this.#describeFetchError(error));
    }
    const parsed = parseJson(text);
    if (!response.ok) throw this.#describeRefusal(response, parsed, text);
    if (text === '') return undefined as T;
    if (parsed === undefined) {
      throw new CliError(`${this.url} answered ${method} ${path} with something that is not JSON: is it floodwatch's API? (check --url / FLOODWATCH_URL)`);
    }
    return parsed as T;
  }

  #describeFetchError(error: unknown): string {
    const err = error as Error & { cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') {
      return `floodwatch at ${this.url} did not answer within ${this.#timeoutMs / 1000} s: is it overloaded or stuck? (see its log)`;
    }
    const code = err.cause?.code;
    if (code === 'ECONNREFUSED') {
      return `floodwatch is not running at ${this.url} (start it with \`floodwatch run\`, or point FLOODWATCH_URL / --url at it)`;
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return `cannot resolve the host of ${this.url}: check FLOODWATCH_URL / --url`;
    }
    const reason = err.cause?.message ?? err.message;
    return `cannot reach floodwatch at ${this.url}: ${reason} (check FLOODWATCH_URL / --url, and that \`floodwatch run\` is running there)`;
  }

  #describeRefusal(response: Response, parsed: unknown, text: string): ApiError {
    const problem = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Problem;
    if (response.status === 401) {
      const message =
        this.#token === undefined
          ? 'the API needs a token: set FLOODWATCH_API_TOKEN or --token to one of api.tokens'
          : 'the API refused the token: set FLOODWATCH_API_TOKEN or --token to one of api.tokens';
      return new ApiError(message, 401);
    }
    const detail = problem.detail ?? problem.message ?? problem.title ?? text.trim().slice(0, 200);
    const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    return new ApiError(detail ? inCliTerms(detail) : `the API answered ${status}`, response.status);
  }
}

/** The API's advice, which names its own requests, in the commands of this CLI. */
const CLI_TERMS: [RegExp, string][] = [
  [/send force: true/g, 'add --force'],
  [/DELETE \/api\/v1\/bans\/([0-9A-Fa-f.:]*[0-9A-Fa-f])/g, '`floodwatch unban $1`'],
  [/GET \/api\/v1\/bans\b/g, '`floodwatch bans`'],
  [/GET \/api\/v1\/attacks\b/g, '`floodwatch attacks`'],
];

export function inCliTerms(detail: string): string {
  return CLI_TERMS.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), detail);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The items of a list endpoint's answer, `{ KEY: [...] }`. */
export function listFrom<T>(body: unknown, key: string): T[] {
  const wrapped = (body as Record<string, unknown> | null)?.[key];
  if (Array.isArray(wrapped)) return wrapped as T[];
  throw new CliError(`the API's answer has no list of ${key}: is the daemon the same version as this floodwatch?`);
}

// ---------------------------------------------------------------------------------------------
// The command line of the commands that use it

/** --url, --token and --config: where the daemon's API is and the token for changes. */
export function withConnectionOptions(command: Command): Command {
  return command
    .option('--url <URL>', `the API (default: FLOODWATCH_URL, else api.listen of --config, else ${DEFAULT_URL})`)
    .option('--token <TOKEN>', 'bearer token for changes (default: FLOODWATCH_API_TOKEN, else api.tokens of --config)')
    .option('--config <FILE>', "the daemon's configuration, to find the API and a token");
}
