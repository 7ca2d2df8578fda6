// GET /api/v1/attacks, /api/v1/attacks/{id} and /api/v1/attacks/{id}/pcap: the attacks under
// way and those recorded in the state directory, newest first; in a cluster (--role), with the
// other members' from the attacks topic (ts/cluster/attacks.ts), whose captures stay with them.
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { AttackRecord } from '../../attacks/types.js';
import type { ApiContext } from '../context.js';
import { notFound, problemResponses, ProblemError } from '../problem.js';
import { parseHostAddress } from '../ip-address.js';
import { AttackIdSchema, AttackSchema, described } from '../schemas.js';
import { hostAddress } from './address-param.js';
import type { TypeBoxTypeProvider } from '../type-provider.js';

export const PCAP_CONTENT_TYPE = 'application/vnd.tcpdump.pcap';
/** Recorded attacks read, at most, to find one host's. */
const SCANNED_FOR_ONE_HOST = 10_000;

const IdParams = Type.Object({ id: AttackIdSchema });

export const attackRoutes: FastifyPluginAsync<{ context: ApiContext }> = async (fastify, { context }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/attacks',
    {
      schema: {
        summary: "Attacks under way and recorded, newest first (in a cluster, every member's); with ip, those on one host",
        tags: ['attacks'],
        querystring: Type.Object(
          {
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
            ip: Type.Optional(
              Type.String({ description: `Only this host's attacks (among the ${SCANNED_FOR_ONE_HOST} newest recorded)`, examples: ['198.51.100.7'] }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ attacks: Type.Array(AttackSchema) }, { description: 'The attacks, newest first' }), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { limit = 50, ip } = request.query;
      const host = ip === undefined ? undefined : hostAddress(ip, "query parameter 'ip'");
      return { attacks: newestAttacks(context, limit, host) };
    },
  );

  app.get(
    '/attacks/:id',
    {
      schema: {
        summary: 'One attack',
        tags: ['attacks'],
        params: IdParams,
        response: { 200: described(AttackSchema, 'The attack'), ...problemResponses(400, 404) },
      },
    },
    async (request) => findAttack(context, request.params.id),
  );

  app.get(
    '/attacks/:id/pcap',
    {
      schema: {
        summary: "The attack's packet capture (mirror port and pcap sources only)",
        tags: ['attacks'],
        params: IdParams,
        response: {
          200: { description: 'A pcap file', content: { [PCAP_CONTENT_TYPE]: { schema: { type: 'string', format: 'binary' } } } },
          ...problemResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const attack = findAttack(context, request.params.id);
      if (attack.pcap && context.cluster && attack.member !== context.cluster.name) {
        throw new ProblemError(
          404,
          'no-capture',
          'No capture here',
          `attack ${attack.id} was recorded by ${attack.member}, another member of the cluster, which keeps its capture in its state directory: ` +
            `ask ${attack.member}'s REST API for GET /api/v1/attacks/${attack.id}/pcap`,
        );
      }
      const pcap = await readCapture(context.store.dir, attack);
      return reply.type(PCAP_CONTENT_TYPE).header('content-disposition', `attachment; filename="${attack.id}.pcap"`).send(pcap);
    },
  );
};

/** An attack; in a cluster, naming the member that recorded it. */
type ListedAttack = AttackRecord & { member?: string };

/** Here first; in a cluster, then among the other members' (ids are unique within a member only). */
function findAttack(context: ApiContext, id: string): ListedAttack {
  const local = context.activeAttacks().find((a) => a.id === id) ?? context.store.loadAttack(id);
  const attack = local ? ownAttack(context, local) : otherMembersAttacks(context).find((a) => a.id === id);
  if (!attack) throw notFound('attack-not-found', `there is no attack ${id}; GET /api/v1/attacks lists them`);
  return attack;
}

/**
 * The active attacks (their latest figures) merged with the recorded ones and, in a cluster, the
 * other members' newest from the attacks topic; newest first; with `host`, that host's only.
 */
function newestAttacks(context: ApiContext, limit: number, host?: string): ListedAttack[] {
  const onHost = (attack: AttackRecord) => host === undefined || sameHost(attack.ip, host);
  const active = context.activeAttacks().filter(onHost);
  const activeIds = new Set(active.map((a) => a.id));
  const recorded: AttackRecord[] = [];
  const ids = context.store.attackIds();
  // Looking for one host's reads more records, but never the whole history.
  for (const id of host === undefined ? ids : ids.slice(0, SCANNED_FOR_ONE_HOST)) {
    if (recorded.length >= limit) break;
    if (activeIds.has(id)) continue;
    const attack = context.store.loadAttack(id);
    if (attack && onHost(attack)) recorded.push(attack);
  }
  const others = otherMembersAttacks(context).filter(onHost).slice(0, limit);
  return [...[...active, ...recorded].map((a) => ownAttack(context, a)), ...others].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).slice(0, limit);
}

function ownAttack(context: ApiContext, attack: AttackRecord): ListedAttack {
  return context.cluster ? { ...attack, member: context.cluster.name } : attack;
}

/** In a cluster: the other members' newest attack records, as the attacks topic has them, newest first. */
function otherMembersAttacks(context: ApiContext): ListedAttack[] {
  const { cluster } = context;
  if (!cluster) return [];
  return cluster
    .attacks()
    .filter(({ by }) => by !== cluster.name)
    .map(({ attack, by }) => ({ ...attack, member: by }));
}

async function readCapture(stateDir: string, attack: AttackRecord): Promise<Buffer> {
  if (!attack.pcap) {
    throw new ProblemError(
      404,
      'no-capture',
      'No capture',
      `no packets were captured for attack ${attack.id}: floodwatch keeps a host's packets from its detection on, and none came after it ` +
        `(NetFlow and IPFIX flow records carry no packets; mirror ports, pcap files, sFlow raw headers and IPFIX packet sections do, ` +
        `so a burst that ended before the detection leaves none)`,
    );
  }
  const path = resolve(stateDir, attack.pcap);
  const inside = relative(resolve(stateDir), path);
  if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new ProblemError(
      500,
      'internal-error',
      'Internal error',
      `attack ${attack.id} names a capture outside the state directory (${attack.pcap}); its record is damaged`,
    );
  }
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ProblemError(
        404,
        'no-capture',
        'No capture',
        `the capture of attack ${attack.id} (${attack.pcap}) is missing from the state directory ${stateDir}`,
      );
    }
    throw err;
  }
}

/** `canonical` is a parsed address; a record's is compared in canonical form too. */
function sameHost(recorded: string, canonical: string): boolean {
  if (recorded === canonical) return true;
  const parsed = parseHostAddress(recorded);
  return parsed.ok && parsed.value === canonical;
}
