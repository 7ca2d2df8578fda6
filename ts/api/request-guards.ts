// Checks every request passes before its route, and headers every answer carries: the Host
// must be one this API answers to, a change must not come from another site's page, and HTML
// may be neither framed nor run foreign scripts.
import type { FastifyInstance } from 'fastify';
import type { ApiAccess } from './access.js';
import { ProblemError } from './problem.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Swagger UI's page loads its scripts and styles from /docs/static and its document from this API. */
const HTML_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function installRequestGuards(app: FastifyInstance, access: ApiAccess): void {
  app.addHook('onRequest', async (request) => {
    const host = request.headers.host;
    // A browser always sends Host; a request without one (HTTP/1.0) is not a page's.
    if (host !== undefined && !access.hosts.acceptsHost(host)) {
      throw new ProblemError(
        421,
        'unknown-host',
        'Unknown host',
        `this API does not answer to the host name '${host}': use its address, or add the name to api.allowed_hosts (a guard against DNS rebinding)`,
      );
    }
    const origin = request.headers.origin;
    if (!SAFE_METHODS.has(request.method) && origin !== undefined && !access.hosts.acceptsOrigin(origin, host)) {
      request.log.warn({ client: request.ip, method: request.method, url: request.url, origin }, 'REST API change refused: it came from another site');
      throw new ProblemError(
        403,
        'cross-origin',
        'Forbidden',
        `a page from ${origin} may not change bans here: send changes from the command line or from a page on this API's host, or add that page's host name to api.allowed_hosts`,
      );
    }
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) {
      reply.header('content-security-policy', HTML_POLICY);
      reply.header('x-frame-options', 'DENY');
      reply.header('referrer-policy', 'no-referrer');
    }
  });
}
