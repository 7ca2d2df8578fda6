// Every error as a problem detail: the routes' own, fastify's (validation, body parsing,
// unknown routes) and the unexpected ones, which are logged with their stack.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, ProblemError, sendProblem } from './problem.js';

export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ProblemError, request, reply) => {
    const problem = asProblem(error);
    if (problem.status >= 500) request.log.error({ err: error, method: request.method, url: request.url }, 'REST API request failed');
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      new ProblemError(
        404,
        'not-found',
        'Not found',
        `there is no ${request.method} ${request.url.split('?')[0]}: the API is under /api/v1, its endpoints are listed at /docs and /api/v1/openapi.json`,
      ),
    ),
  );
}

/** For fastify's `frameworkErrors`: a URL that cannot be decoded, before any route is found. */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  sendProblem(reply, error.code === 'FST_ERR_BAD_URL' ? badRequest('invalid-request', `${error.message}: escape the URL's % signs as %25`) : asProblem(error));
}

function asProblem(error: FastifyError | ProblemError): ProblemError {
  if (error instanceof ProblemError) return error;
  switch (error.code) {
    case 'FST_ERR_VALIDATION':
      return badRequest('invalid-request', error.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return badRequest('invalid-request', 'the body is empty although Content-Type says JSON: send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return badRequest('invalid-request', `the body is not valid JSON (${error.message})`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ProblemError(
        415,
        'unsupported-media-type',
        'Unsupported media type',
        `${error.message}: send the body as JSON with Content-Type: application/json`,
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ProblemError(413, 'body-too-large', 'Body too large', `${error.message}: a ban request is a small JSON object`);
  }
  const status = error.statusCode ?? 500;
  if (error instanceof SyntaxError && status === 400) return badRequest('invalid-request', `the body is not valid JSON (${error.message})`);
  if (status >= 400 && status < 500) return new ProblemError(status, 'invalid-request', 'Bad request', error.message);
  return new ProblemError(500, 'internal-error', 'Internal error', `floodwatch could not answer: ${error.message}; the details are in its log`);
}
