// actions.mongodb: where the attack documents go, and what check-config says about it.
import { Type, type Static } from '@sinclair/typebox';
import type { ConfigProblem } from '../../config/errors.js';

export const MongodbSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    /** A MongoDB connection string; it may carry user:password@ and options such as ?authSource=admin. */
    uri: Type.String({ minLength: 1, hint: 'e.g. mongodb://floodwatch:PASSWORD@db.example.net:27017/?authSource=admin' }),
    database: Type.String({ minLength: 1, maxLength: 63 }),
    /** TLS to the server, verified against the system's CAs or tls_ca_file. */
    tls: Type.Boolean(),
    tls_ca_file: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
    /** A PEM file holding the client's certificate and private key, for X.509 authentication. */
    tls_certificate_key_file: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
    /** How long a write waits for a server (choosing one, connecting, its reply) before it fails and is retried. */
    timeout_ms: Type.Integer({ minimum: 100, maximum: 600_000 }),
  },
  { additionalProperties: false },
);

export type MongodbConfig = Static<typeof MongodbSchema>;

export function mongodbDefaults(): MongodbConfig {
  return {
    enabled: false,
    uri: 'mongodb://127.0.0.1:27017',
    database: 'floodwatch',
    tls: false,
    tls_ca_file: null,
    tls_certificate_key_file: null,
    timeout_ms: 5000,
  };
}

const URI = /^mongodb(\+srv)?:\/\/(?:([^@/?#]*)@)?([^/?#]+)(?:\/([^?#]*))?(?:\?([^#]*))?$/;

interface ParsedUri {
  srv: boolean;
  /** host:port list as written, without the credentials. */
  hosts: string;
  hasPassword: boolean;
  /** The tls or ssl option of the query string, when given. */
  tlsOption: boolean | undefined;
}

export function parseMongodbUri(uri: string): ParsedUri | undefined {
  const match = URI.exec(uri);
  if (!match) return undefined;
  const query = new URLSearchParams(match[5] ?? '');
  const tls = query.get('tls') ?? query.get('ssl');
  return {
    srv: match[1] !== undefined,
    hosts: match[3],
    hasPassword: (match[2] ?? '').includes(':'),
    tlsOption: tls === null ? undefined : tls === 'true',
  };
}

/** Where it writes, without the credentials: for check-config, the log and error messages. */
export function describeMongodb(config: MongodbConfig): string {
  const parsed = parseMongodbUri(config.uri);
  const where = parsed ? `${parsed.srv ? 'mongodb+srv://' : ''}${parsed.hosts}` : 'an unreadable uri';
  return `mongodb at ${where}, database ${config.database}${usesTls(config) ? ' (TLS)' : ''}`;
}

function usesTls(config: MongodbConfig): boolean {
  const parsed = parseMongodbUri(config.uri);
  return config.tls || parsed?.tlsOption === true || (parsed?.srv === true && parsed.tlsOption !== false);
}

// What MongoDB refuses in a database name (on any platform).
const DATABASE_NAME_FORBIDDEN = /[/\\. "$*<>:|?\0]/;

export function databaseNameProblem(name: string): string | undefined {
  const forbidden = DATABASE_NAME_FORBIDDEN.exec(name);
  if (forbidden) return `'${name}' has '${forbidden[0]}', which MongoDB does not allow in a database name`;
  if (name.length === 0 || name.length > 63) return `'${name}' is not 1 to 63 characters long, as a MongoDB database name is`;
  return undefined;
}

export function checkMongodb(config: MongodbConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (parseMongodbUri(config.uri) === undefined) {
    problems.push({
      where: 'actions.mongodb.uri',
      reason: `'${redactUri(config.uri)}' is not a MongoDB connection string: write mongodb://HOST:PORT (or mongodb+srv://NAME), e.g. mongodb://127.0.0.1:27017`,
    });
  }
  const databaseProblem = databaseNameProblem(config.database);
  if (databaseProblem !== undefined) problems.push({ where: 'actions.mongodb.database', reason: databaseProblem });
  for (const key of ['tls_ca_file', 'tls_certificate_key_file'] as const) {
    if (config[key] !== null && !config.tls) {
      problems.push({ where: `actions.mongodb.${key}`, reason: 'is only used with TLS: set actions.mongodb.tls: true, or remove it' });
    }
  }
  return problems;
}

const LOOPBACK_HOST = /^(localhost|127\.[0-9.]+|\[::1\])(:\d+)?$/i;

export function mongodbWarnings(config: MongodbConfig): string[] {
  const parsed = parseMongodbUri(config.uri);
  if (!parsed?.hasPassword || usesTls(config)) return [];
  if (parsed.hosts.split(',').every((host) => LOOPBACK_HOST.test(host))) return [];
  return [`actions.mongodb.uri carries a password to ${parsed.hosts} without TLS: it crosses the network in clear; set actions.mongodb.tls: true`];
}

/** The uri, when it carries a password: the configuration file should then be readable by its owner only. */
export function mongodbSecretKeys(config: MongodbConfig): string[] {
  return parseMongodbUri(config.uri)?.hasPassword ? ['uri'] : [];
}

/** The connection string with its password replaced, fit for logs and messages. */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z+]+:\/\/[^:@/?#]*):[^@/?#]*@/i, '$1:***@');
}
