// Traffic figures pushed to InfluxDB every push_seconds (line protocol over HTTP, 1.x or 2.x/3.x),
// with attack events as points.
import { Type } from '@sinclair/typebox';
import type { ConfigProblem } from '../../config/errors.js';
import { Choice, Rate, strict } from '../../config/schema-types.js';
import { pushMetrics } from '../traffic-figures/pusher.js';
import { PushSchedule } from '../traffic-figures/schema.js';
import { defineIntegration } from '../types.js';
import { carryInfluxdb } from './fastnetmon.js';

export const InfluxdbSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    /** Where InfluxDB answers: scheme, host and port (and a path prefix behind a proxy). */
    url: Type.String({ minLength: 1 }),
    /** v1: /write?db= (InfluxDB 1.x); v2: /api/v2/write with org, bucket and token (2.x, 3.x, 1.8+). */
    api: Choice(['v1', 'v2'] as const),
    database: Type.String({ minLength: 1 }),
    user: Type.Optional(Type.String({ minLength: 1 })),
    password: Type.Optional(Type.String()),
    org: Type.Optional(Type.String({ minLength: 1 })),
    bucket: Type.Optional(Type.String({ minLength: 1 })),
    token: Type.Optional(Type.String({ minLength: 1 })),
    ...PushSchedule,
    gzip: Type.Boolean(),
    timeout_seconds: Rate,
  },
  strict,
);

const where = (key: string) => `actions.influxdb.${key}`;

function problems(config: { url: string; api: 'v1' | 'v2'; user?: string; password?: string; bucket?: string; token?: string }): ConfigProblem[] {
  const found: ConfigProblem[] = [];
  let url: URL | null = null;
  try {
    url = new URL(config.url);
  } catch {
    found.push({ where: where('url'), reason: `'${config.url}' is not a URL (write e.g. http://127.0.0.1:8086)` });
  }
  if (url && url.protocol !== 'http:' && url.protocol !== 'https:') {
    found.push({ where: where('url'), reason: `'${config.url}' is not an http:// or https:// URL (write e.g. http://127.0.0.1:8086)` });
  }
  if (config.api === 'v1' && config.user !== undefined && config.password === undefined) {
    found.push({ where: where('password'), reason: 'missing: user is set, so the password is needed too' });
  }
  if (config.api === 'v2') {
    if (config.bucket === undefined) found.push({ where: where('bucket'), reason: 'missing: api v2 writes to a bucket (or set api: v1 for InfluxDB 1.x)' });
    if (config.token === undefined) found.push({ where: where('token'), reason: 'missing: api v2 needs a token with write access to the bucket' });
  }
  return found;
}

export const influxdb = defineIntegration({
  name: 'influxdb',
  schema: InfluxdbSchema,
  defaults: () => ({
    enabled: false,
    url: 'http://127.0.0.1:8086',
    api: 'v1' as const,
    database: 'floodwatch',
    push_seconds: 1,
    top_hosts: 20,
    queue_batches: 60,
    gzip: true,
    timeout_seconds: 5,
  }),
  describe: (config) =>
    `influxdb at ${config.url} (${config.api === 'v1' ? `database ${config.database}` : `bucket ${config.bucket ?? '?'}`}, every ${config.push_seconds} s, top ${config.top_hosts} hosts)`,
  check: (config) => (config.enabled ? problems(config) : []),
  warnings: (config) => {
    const secret = config.api === 'v1' ? config.password !== undefined : config.token !== undefined;
    let host: string;
    try {
      const url = new URL(config.url);
      if (url.protocol === 'https:') return [];
      host = url.hostname;
    } catch {
      return [];
    }
    const loopback = host === 'localhost' || host.startsWith('127.') || host === '[::1]';
    return secret && !loopback
      ? [`actions.influxdb: the ${config.api === 'v1' ? 'password' : 'token'} crosses the network in clear to ${host}: use an https:// url`]
      : [];
  },
  secretKeys: (config) => [...(config.password !== undefined ? ['password'] : []), ...(config.token !== undefined ? ['token'] : [])],
  importFastnetmon: carryInfluxdb,
  metrics: pushMetrics('influxdb'),
  create: async (config, deps) => {
    const { InfluxdbIntegration } = await import('./influxdb.js');
    return new InfluxdbIntegration(config, deps);
  },
});
