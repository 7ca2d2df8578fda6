// JSON bodies, parsed as fastify does (prototype poisoning refused), once their nesting is known
// to be shallow: a body nested thousands deep would take the stack of whatever walks it after.
import type { FastifyInstance } from 'fastify';
import { badRequest } from './problem.js';

/** Arrays and objects inside one another; an API body needs two or three. */
const MAX_JSON_DEPTH = 32;

export function installJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const depth = nestingDepth(body as string, MAX_JSON_DEPTH);
    if (depth > MAX_JSON_DEPTH) {
      done(badRequest('invalid-request', `the body nests arrays and objects more than ${MAX_JSON_DEPTH} deep: send a flat JSON object`), undefined);
      return;
    }
    void parse(request, body as string, done);
  });
}

/** How deep brackets nest outside strings, counted up to just past `limit`. */
function nestingDepth(text: string, limit: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return depth;
}
