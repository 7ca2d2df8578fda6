// An address taken from a request, parsed strictly: canonical text, or a 400 that says why not.
import { parseHostAddress } from '../ip-address.js';
import { badRequest } from '../problem.js';

export function hostAddress(text: string, where: string): string {
  const parsed = parseHostAddress(text);
  if (!parsed.ok) throw badRequest('invalid-address', `${where}: ${parsed.reason}`);
  return parsed.value;
}
