// GET /api/v1/bans, POST /api/v1/bans, DELETE /api/v1/bans/{ip}: the operator's hand on the
// ban lifecycle. A manual ban goes through the BanManager like any other, so it is saved and
// reaches the actions. Each change is all-or-nothing: when the state file cannot be written, the
// answer is 503 and the bans are as they were.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, onRequestAsyncHookHandler } from 'fastify';
import type { Ban } from '../../attacks/types.js';
import { notAHost } from '../../bans/unbannable.js';
import { StateWriteError } from '../../state/store.js';
import type { ApiContext } from '../context.js';
import { notFound, problemResponses, ProblemError } from '../problem.js';
import { BanSchema, described, IpAddressSchema } from '../schemas.js';
import type { TypeBoxTypeProvider } from '../type-provider.js';
import { hostAddress } from './address-param.js';

const TEN_YEARS = 10 * 365 * 24 * 3600;

const BanRequestSchema = Type.Object(
  {
    ip: IpAddressSchema,
    ttl_seconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: TEN_YEARS, description: "how long the ban lasts; the config's ban.time_seconds when absent" }),
    ),
    comment: Type.Optional(Type.String({ maxLength: 1000 })),
    force: Type.Optional(
      Type.Boolean({
        description:
          'ban even a whitelisted host, one outside the monitored networks, or an address that is no single host (broadcast, multicast, loopback, link-local, unspecified)',
      }),
    ),
  },
  { additionalProperties: false },
);

export interface BanRoutesOptions {
  context: ApiContext;
  /** Authentication and rate limiting, run before a ban or an unban. */
  mutationHooks: onRequestAsyncHookHandler[];
}

export const banRoutes: FastifyPluginAsync<BanRoutesOptions> = async (fastify, { context, mutationHooks }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const security = [{ bearer: [] }];

  app.get(
    '/bans',
    {
      schema: {
        summary: "The hosts banned now; in a cluster, every member's",
        tags: ['bans'],
        response: { 200: Type.Object({ bans: Type.Array(BanSchema) }, { description: 'The bans, oldest first' }) },
      },
    },
    async () => ({ bans: listBans(context) }),
  );

  app.post(
    '/bans',
    {
      onRequest: mutationHooks,
      schema: {
        summary: 'Ban a host (incoming direction), with the actions of its hostgroup',
        tags: ['bans'],
        security,
        body: BanRequestSchema,
        response: { 201: described(BanSchema, 'The ban made'), ...problemResponses(400, 401, 403, 409, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const { ttl_seconds, comment, force } = request.body;
      const ip = hostAddress(request.body.ip, "body field 'ip'");
      if (!force) refuseOutsidePolicy(context, ip);
      const { ban, created } = saved('the ban', ip, () =>
        context.bans.ban(
          {
            ip,
            direction: 'incoming',
            hostgroup: context.groupOf(ip),
            attack: null,
            ttlSeconds: ttl_seconds ?? context.banTimeSeconds(),
            manual: true,
            comment: comment ?? null,
          },
          { mustSave: true },
        ),
      );
      await inCluster('the ban', ip, context.bans.delivered(ip));
      if (!created) {
        throw new ProblemError(
          409,
          'already-banned',
          'Already banned',
          `${ip} is already banned until ${ban.expires_at}; to change the ban, lift it first with DELETE /api/v1/bans/${ip}`,
        );
      }
      request.log.info({ ip, client: request.ip, forced: Boolean(force) }, 'ban made through the REST API');
      return reply.code(201).header('location', `/api/v1/bans/${ip}`).send(ban);
    },
  );

  app.delete(
    '/bans/:ip',
    {
      onRequest: mutationHooks,
      schema: {
        summary: 'Lift a ban; the actions are told',
        tags: ['bans'],
        security,
        params: Type.Object({ ip: IpAddressSchema }),
        response: { 200: described(BanSchema, 'The ban lifted'), ...problemResponses(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      const ip = hostAddress(request.params.ip, 'the address in the path');
      const ban = saved('the unban', ip, () => context.bans.unban(ip, 'lifted through the REST API', { mustSave: true }));
      if (!ban) throw notFound('not-banned', `${ip} is not banned; GET /api/v1/bans lists the bans`);
      await inCluster('the unban', ip, context.bans.delivered(ip));
      request.log.info({ ip, client: request.ip }, 'ban lifted through the REST API');
      return ban;
    },
  );
};

/** The bans held here; in a cluster, with those of the other members the bans topic holds, each naming its member. */
function listBans(context: ApiContext): (Ban & { member?: string })[] {
  const local = context.bans.list();
  const { cluster } = context;
  if (!cluster) return local;
  const held = new Set(local.map((ban) => ban.ip));
  return [
    ...local.map((ban) => ({ ...ban, member: cluster.name })),
    ...cluster
      .bans()
      .filter(({ ban }) => !held.has(ban.ip))
      .map(({ ban, by }) => ({ ...ban, member: by })),
  ].sort((a, b) => a.banned_at.localeCompare(b.banned_at));
}

/** Runs a change that must be saved; a state file that cannot be written answers 503, the bans left as they were. */
function saved<T>(what: string, ip: string, change: () => T): T {
  try {
    return change();
  } catch (err) {
    if (!(err instanceof StateWriteError)) throw err;
    throw new ProblemError(
      503,
      'internal-error',
      'State not saved',
      `${what} of ${ip} was not made: ${err.message}; the bans are as they were: retry once the state directory takes writes again`,
    );
  }
}

/** Waits for a change handed to the cluster member that owns the host (ts/cluster); 503 when the bans topic did not take it. */
async function inCluster(what: string, ip: string, delivered: Promise<void>): Promise<void> {
  try {
    await delivered;
  } catch (err) {
    throw new ProblemError(
      503,
      'internal-error',
      'Not handed to the cluster',
      `${what} of ${ip} was not made: the member that owns the host could not be told (${(err as Error).message}); check cluster.brokers and cluster.bans_topic, then retry`,
    );
  }
}

function refuseOutsidePolicy(context: ApiContext, ip: string): void {
  const what = notAHost(ip);
  if (what) {
    throw new ProblemError(
      422,
      'ban-refused',
      'Ban refused',
      `${ip} is ${what}, not the address of one host: a ban of it would reach many hosts or none; send force: true to ban it anyway`,
    );
  }
  if (context.isWhitelisted(ip)) {
    throw new ProblemError(422, 'ban-refused', 'Ban refused', `${ip} is in the whitelist, which floodwatch never bans; send force: true to ban it anyway`);
  }
  if (!context.isMonitored(ip)) {
    throw new ProblemError(
      422,
      'ban-refused',
      'Ban refused',
      `${ip} is outside the monitored networks (networks in the configuration), so it is not one of your hosts; send force: true to ban it anyway`,
    );
  }
}
