// Whether the REST API may listen where api.listen says: beyond loopback, anyone who can reach it
// could ban and unban hosts, so it needs a token. One decision for `run` and `check-config`.
import type { ConfigProblem } from './errors.js';
import { isLoopbackListen, parseListenAddress } from './listen-address.js';
import { API_TOKEN_MIN_LENGTH, type ApiConfig } from './schema.js';

/** The problems of api.listen and FLOODWATCH_API_TOKEN taken together; none when the API is off. */
export function apiExposureProblems(api: Pick<ApiConfig, 'enabled' | 'listen' | 'tokens'>, env: NodeJS.ProcessEnv = process.env): ConfigProblem[] {
  if (!api.enabled) return [];
  const fromEnv = env.FLOODWATCH_API_TOKEN?.trim();
  if (fromEnv && fromEnv.length < API_TOKEN_MIN_LENGTH) {
    return [
      {
        reason: `FLOODWATCH_API_TOKEN is ${fromEnv.length} characters long; use at least ${API_TOKEN_MIN_LENGTH} (e.g. the output of openssl rand -hex 32)`,
      },
    ];
  }
  const listen = parseListenAddress(api.listen);
  if (!listen.ok || isLoopbackListen(listen.value) || api.tokens.length > 0 || fromEnv) return [];
  return [
    {
      where: 'api.listen',
      reason:
        `is ${api.listen}, but no API token is configured, so anyone who can reach it could ban and unban hosts: ` +
        'set api.tokens (or FLOODWATCH_API_TOKEN), or listen on 127.0.0.1 (api.listen: 127.0.0.1:7780)',
    },
  ];
}
