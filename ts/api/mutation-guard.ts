// Who may ban and unban. With tokens configured: a request bearing one of them. With none: only
// clients on this machine (startApi listens on loopback only in that case, this is the second lock).
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { Logger } from 'pino';
import { isLoopbackPeer } from './listen.js';
import { ProblemError } from './problem.js';
import type { TokenSet } from './tokens.js';

const REALM = 'Bearer realm="floodwatch"';

/** `tokens` gives the set in force: a reload replaces it. */
export function mutationGuard(currentTokens: () => TokenSet, log: Logger): onRequestAsyncHookHandler {
  return async (request: FastifyRequest) => {
    const tokens = currentTokens();
    if (tokens.size === 0) {
      if (isLoopbackPeer(request.socket.remoteAddress)) return;
      throw new ProblemError(
        403,
        'forbidden',
        'Forbidden',
        'no API token is configured, so bans and unbans are accepted only from this machine; set api.tokens or FLOODWATCH_API_TOKEN to allow them from elsewhere',
      );
    }
    const header = request.headers.authorization;
    if (!header) {
      throw new ProblemError(
        401,
        'unauthorized',
        'Unauthorized',
        'this change needs a token: send the header Authorization: Bearer TOKEN, with a token from api.tokens or FLOODWATCH_API_TOKEN',
        { 'www-authenticate': REALM },
      );
    }
    const bearer = /^Bearer +(\S+) *$/i.exec(header);
    if (!bearer) {
      throw new ProblemError(401, 'unauthorized', 'Unauthorized', "the Authorization header is not of the form 'Bearer TOKEN'", {
        'www-authenticate': `${REALM}, error="invalid_request"`,
      });
    }
    if (!tokens.matches(bearer[1]!)) {
      log.warn({ client: request.ip, method: request.method, url: request.url }, 'REST API change refused: wrong token');
      throw new ProblemError(
        401,
        'unauthorized',
        'Unauthorized',
        'the bearer token is not one of api.tokens or FLOODWATCH_API_TOKEN; check the token you sent',
        {
          'www-authenticate': `${REALM}, error="invalid_token"`,
        },
      );
    }
  };
}
