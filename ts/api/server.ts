// The REST API: fastify, one plugin per resource, errors as problem details, bans and unbans
// behind bearer tokens and a rate limit, OpenAPI and Swagger UI generated from the route schemas.
import type { AddressInfo } from 'node:net';
import rateLimit from '@fastify/rate-limit';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type onRequestAsyncHookHandler } from 'fastify';
import type { Logger } from 'pino';
import { apiExposureProblems } from '../config/api-exposure.js';
import { packageVersion } from '../package-version.js';
import type { ApiConfig } from '../config/schema.js';
import { describeHolder, portHolders } from '../daemon/port-owners.js';
import { ApiAccess } from './access.js';
import { ConnectionLimit } from './connections.js';
import type { ApiContext } from './context.js';
import { connectionCap, openFilesLimit } from './descriptors.js';
import { dashboardRoutes } from './dashboard/plugin.js';
import { frameworkErrorHandler, installProblemHandlers } from './error-handlers.js';
import { boundAddress, listenHost, parseApiListen } from './listen.js';
import { installJsonBodyParser } from './json-body.js';
import { mutationGuard } from './mutation-guard.js';
import { ProblemError } from './problem.js';
import { installRequestGuards } from './request-guards.js';
import { attackRoutes } from './routes/attacks.js';
import { banRoutes } from './routes/bans.js';
import { docsRoutes, registerOpenApi } from './routes/docs.js';
import { healthRoutes } from './routes/health.js';
import { hostRoutes } from './routes/hosts.js';
import { metricsRoutes } from './routes/metrics.js';
import { trafficRoutes } from './routes/traffic.js';
import { typeboxValidatorCompiler } from './validation.js';

const API_PREFIX = '/api/v1';
/** The most a request may take to arrive, headers and body. */
const REQUEST_TIMEOUT_MS = 30_000;
/** The most its headers may take. */
const HEADERS_TIMEOUT_MS = 10_000;

/** The API, ready but not listening (for fastify.inject, or for startApi to listen). */
export async function buildApi(config: ApiConfig, context: ApiContext, log: Logger, access = new ApiAccess(config)): Promise<FastifyInstance> {
  const idleMs = config.idle_timeout_seconds * 1000;
  const app = Fastify({
    loggerInstance: log.child({ component: 'api' }) as FastifyBaseLogger,
    // Bans and unbans are logged by their routes and the BanManager, failures by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    frameworkErrors: frameworkErrorHandler,
    // A connection silent this long is closed, between requests or within one.
    connectionTimeout: idleMs,
    keepAliveTimeout: idleMs,
    // A client that sends its request a byte at a time loses its connection all the same.
    requestTimeout: REQUEST_TIMEOUT_MS,
    http: { headersTimeout: Math.min(idleMs, HEADERS_TIMEOUT_MS), connectionsCheckingInterval: Math.min(idleMs, 1000) },
  });
  const { cap } = connectionCap(config.max_connections, openFilesLimit());
  const connections = new ConnectionLimit(app.server, cap, log);
  app.setValidatorCompiler(typeboxValidatorCompiler);
  installProblemHandlers(app);
  installJsonBodyParser(app);
  installRequestGuards(app, access);

  await app.register(rateLimit, { global: false, errorResponseBuilder: tooManyChanges });
  await registerOpenApi(app, packageVersion());
  // One limiter for bans and unbans together, counted per client address.
  const limiter = app.rateLimit({ max: () => access.mutationsPerMinute, timeWindow: 60_000 });
  const rateLimited: onRequestAsyncHookHandler = (request, reply) => limiter.call(app, request, reply);
  // Rate limited first, so that guessing tokens is limited too.
  const mutationHooks = [rateLimited, mutationGuard(() => access.tokens, log)];

  await app.register(hostRoutes, { prefix: API_PREFIX, context });
  await app.register(trafficRoutes, { prefix: API_PREFIX, context });
  await app.register(banRoutes, { prefix: API_PREFIX, context, mutationHooks });
  await app.register(attackRoutes, { prefix: API_PREFIX, context });
  await app.register(metricsRoutes, { context, connections });
  await app.register(healthRoutes, { context });
  await app.register(dashboardRoutes, { context, connectionCap: cap });
  await app.register(docsRoutes);
  await app.ready();
  return app;
}

/** A listening API. */
export interface RunningApi {
  close(): Promise<unknown>;
  /** Takes the new tokens, allowed hosts and rate limit (api.listen and the others need a restart). */
  reload(config: ApiConfig): void;
}

/** Listens on api.listen; without a token, only on loopback. */
export async function startApi(config: ApiConfig, context: ApiContext, log: Logger): Promise<{ server: RunningApi; address: string }> {
  const listen = parseApiListen(config.listen);
  const [exposed] = apiExposureProblems(config);
  if (exposed) throw new Error(exposed.where ? `${exposed.where} ${exposed.reason}` : exposed.reason);
  const access = new ApiAccess(config);
  logConnectionCap(config, log);
  const app = await buildApi(config, context, log, access);
  try {
    await app.listen({ host: listenHost(listen), port: listen.port });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    const holders = code === 'EADDRINUSE' ? portHolders('tcp', config.listen).map(describeHolder) : [];
    const who = holders.length > 0 ? holders.join(', ') : 'another program (or another floodwatch)';
    const hint = code === 'EADDRINUSE' ? `: ${who} uses that port; stop it or change api.listen` : '; check api.listen';
    throw new Error(`the REST API cannot listen on ${config.listen} (${(err as Error).message})${hint}`, { cause: err });
  }
  const server: RunningApi = { close: () => app.close(), reload: (next) => access.update(next) };
  return { server, address: boundAddress(app.server.address() as AddressInfo) };
}

function logConnectionCap(config: ApiConfig, log: Logger): void {
  const limit = openFilesLimit();
  const { cap, reserve, limitedByDescriptors } = connectionCap(config.max_connections, limit);
  if (!limitedByDescriptors) return;
  log.warn(
    { max_connections: config.max_connections, open_files_limit: limit?.soft, connections: cap, reserved: reserve },
    `the REST API takes at most ${cap} connections, not api.max_connections (${config.max_connections}): the open-files limit is ${limit?.soft} and ${reserve} descriptors are kept for the state directory, the actions and the flow sockets; raise the limit (LimitNOFILE= in the systemd unit, or ulimit -n) to allow more`,
  );
}

function tooManyChanges(request: { ip: string }, limit: { max: number; after: string; statusCode: number }): ProblemError {
  return new ProblemError(
    limit.statusCode,
    'too-many-requests',
    'Too many changes',
    `more than ${limit.max} bans and unbans in a minute from ${request.ip}; retry in ${limit.after} (api.mutations_per_minute sets the limit)`,
  );
}
