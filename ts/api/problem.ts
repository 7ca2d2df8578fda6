// Errors as RFC 9457 problem details (application/problem+json): every error the API answers
// with, validation and routing errors included, carries a detail an operator can act on.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The kinds of problem, as `urn:floodwatch:problem:KIND` in the `type` member. */
export type ProblemKind =
  | 'invalid-request'
  | 'invalid-address'
  | 'unauthorized'
  | 'forbidden'
  | 'cross-origin'
  | 'unknown-host'
  | 'not-found'
  | 'host-not-seen'
  | 'not-banned'
  | 'already-banned'
  | 'ban-refused'
  | 'attack-not-found'
  | 'no-capture'
  | 'unsupported-media-type'
  | 'body-too-large'
  | 'too-many-requests'
  | 'internal-error';

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'urn:floodwatch:problem:KIND, or about:blank' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: 'What went wrong and what to do about it' }),
    instance: Type.Optional(Type.String({ description: 'The request path' })),
  },
  { description: 'An RFC 9457 problem detail' },
);

export type Problem = Static<typeof ProblemSchema>;

export class ProblemError extends Error {
  readonly status: number;
  readonly title: string;
  readonly kind: ProblemKind;
  readonly headers: Record<string, string>;

  constructor(status: number, kind: ProblemKind, title: string, detail: string, headers: Record<string, string> = {}) {
    super(detail);
    this.status = status;
    this.kind = kind;
    this.title = title;
    this.headers = headers;
  }

  toProblem(instance: string): Problem {
    return { type: `urn:floodwatch:problem:${this.kind}`, title: this.title, status: this.status, detail: this.message, instance };
  }
}

export const badRequest = (kind: 'invalid-request' | 'invalid-address', detail: string) =>
  new ProblemError(400, kind, kind === 'invalid-address' ? 'Invalid IP address' : 'Invalid request', detail);

export const notFound = (kind: ProblemKind, detail: string) => new ProblemError(404, kind, 'Not found', detail);

export function sendProblem(reply: FastifyReply, error: ProblemError): FastifyReply {
  const path = reply.request.url.split('?')[0] ?? reply.request.url;
  return reply.code(error.status).headers(error.headers).type(PROBLEM_CONTENT_TYPE).send(error.toProblem(path));
}

/** The OpenAPI response entries for the problem statuses a route can answer with. */
export function problemResponses<const S extends readonly number[]>(...statuses: S) {
  const entry = (description: string) => ({ description, content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } } });
  return Object.fromEntries(statuses.map((status) => [status, entry(PROBLEM_DESCRIPTIONS[status] ?? 'Problem')])) as {
    [K in S[number]]: ReturnType<typeof entry>;
  };
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: the detail names the field and what it expects',
  401: 'No bearer token, or a wrong one',
  403: "Refused: no token is configured and the client is not on this machine, or the change comes from another site's page",
  404: 'Not found',
  409: 'Conflict with the current state',
  421: 'The Host header names a host this API does not answer to (api.allowed_hosts)',
  422: 'Refused by policy; force: true overrides',
  429: 'Too many changes from this client address',
  503: 'The state directory cannot be written: nothing was changed',
};
