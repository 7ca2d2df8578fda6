// PLACEHOLDER, replaced by the REST API implementation: see ts/api/context.ts.
import type { Logger } from 'pino';
import type { ApiConfig } from '../config/schema.js';
import type { ApiContext } from './context.js';

export async function startApi(_config: ApiConfig, _context: ApiContext, log: Logger): Promise<{ server: { close(): Promise<unknown> }; address: string }> {
  log.warn('the REST API is not built yet');
  return { server: { close: async () => undefined }, address: 'none' };
}
