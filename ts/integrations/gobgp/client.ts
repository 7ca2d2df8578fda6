// A gRPC client for the few calls of gobgpd's v3 API that floodwatch makes.
import * as grpc from '@grpc/grpc-js';
import type { AnyMessage } from './any.js';
import { packageDefinition, PROTO_PACKAGE } from './protos.js';

export type Afi = 'AFI_IP' | 'AFI_IP6';
export type Safi = 'SAFI_UNICAST' | 'SAFI_FLOW_SPEC_UNICAST';

export interface ApiFamily {
  afi: Afi;
  safi: Safi;
}

/** apipb.Path as floodwatch sends it and as ListPath returns it (the fields floodwatch reads). */
export interface ApiPath {
  nlri: AnyMessage;
  pattrs: AnyMessage[];
  family: ApiFamily;
  is_withdraw?: boolean;
  best?: boolean;
  /** Empty, or "<nil>", for a path gobgpd originated itself (AddPath, its config). */
  neighbor_ip?: string;
}

export interface GobgpGlobal {
  asn: number;
  routerId: string;
  listenPort: number;
}

export interface GobgpClientOptions {
  /** Time limit of each call. Default 5 s. */
  deadlineMs?: number;
}

/** gobgpd did not answer: not running, not listening there, or hung. Worth retrying. */
export class GobgpUnreachableError extends Error {
  /** The gRPC status, e.g. UNAVAILABLE. */
  readonly code: string;

  constructor(
    readonly address: string,
    err: grpc.ServiceError,
    deadlineMs: number,
  ) {
    super(
      err.code === grpc.status.DEADLINE_EXCEEDED
        ? `cannot reach gobgpd at ${address}: no answer within ${deadlineMs} ms (is it running with --api-hosts ${address}, and not hung?)`
        : `cannot reach gobgpd at ${address}: is it running with --api-hosts ${address}? (${detailsOf(err)})`,
    );
    this.name = 'GobgpUnreachableError';
    this.code = grpc.status[err.code];
  }
}

/** gobgpd answered with an error. */
export class GobgpRequestError extends Error {
  readonly code: string;

  constructor(
    readonly address: string,
    what: string,
    err: grpc.ServiceError,
  ) {
    super(`gobgpd at ${address} refused ${what}: ${detailsOf(err)}`);
    this.name = 'GobgpRequestError';
    this.code = grpc.status[err.code];
  }
}

/** What went wrong, without grpc-js's empty "Resolution note:" tail. */
function detailsOf(err: grpc.ServiceError): string {
  return (err.details || err.message).replace(/\s*Resolution note:\s*$/, '');
}

type Callback<T> = (err: grpc.ServiceError | null, response: T) => void;

interface GobgpApiStub extends grpc.Client {
  GetBgp(request: object, options: grpc.CallOptions, callback: Callback<{ global: Record<string, unknown> | null }>): void;
  AddPath(request: object, options: grpc.CallOptions, callback: Callback<unknown>): void;
  DeletePath(request: object, options: grpc.CallOptions, callback: Callback<unknown>): void;
  ListPath(request: object, options: grpc.CallOptions): grpc.ClientReadableStream<{ destination: { paths: ApiPath[] } | null }>;
}

const UNREACHABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED]);

export class GobgpClient {
  readonly address: string;
  readonly #stub: GobgpApiStub;
  readonly #deadlineMs: number;

  constructor(address: string, options: GobgpClientOptions = {}) {
    this.address = address;
    this.#deadlineMs = options.deadlineMs ?? 5_000;
    const api = grpc.loadPackageDefinition(packageDefinition())[PROTO_PACKAGE] as grpc.GrpcObject;
    const Stub = api.GobgpApi as unknown as new (address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) => GobgpApiStub;
    this.#stub = new Stub(address, grpc.credentials.createInsecure(), {
      // gobgpd restarts in a second or two: find it again soon after, not after minutes of backoff.
      'grpc.initial_reconnect_backoff_ms': 500,
      'grpc.max_reconnect_backoff_ms': 3_000,
    });
  }

  async getBgp(): Promise<GobgpGlobal> {
    const response = await this.#unary<{ global: Record<string, unknown> | null }>('GetBgp', {}, 'GetBgp');
    const global = response.global ?? {};
    return { asn: Number(global.asn ?? 0), routerId: String(global.router_id ?? ''), listenPort: Number(global.listen_port ?? 0) };
  }

  async addPath(path: ApiPath, what: string): Promise<void> {
    await this.#unary('AddPath', { table_type: 'GLOBAL', path }, `the announcement of ${what}`);
  }

  /** Withdraws one path: gobgpd matches it by family and NLRI. */
  async deletePath(path: ApiPath, what: string): Promise<void> {
    if (!path?.nlri?.type_url) throw new Error(`refusing to send DeletePath without a path (it would withdraw every route): ${what}`);
    await this.#unary('DeletePath', { table_type: 'GLOBAL', family: path.family, path: { ...path, is_withdraw: true } }, `the withdrawal of ${what}`);
  }

  /**
   * The paths of the global RIB in one family, learned and originated alike: every one, or those
   * of the `prefixes` given (exact matches; an empty list asks for none, not for all).
   */
  listPath(family: ApiFamily, prefixes?: readonly string[]): Promise<ApiPath[]> {
    if (prefixes?.length === 0) return Promise.resolve([]);
    const lookup = prefixes?.map((prefix) => ({ prefix, type: 'EXACT' }));
    return new Promise((resolve, reject) => {
      const paths: ApiPath[] = [];
      const call = this.#stub.ListPath({ table_type: 'GLOBAL', family, ...(lookup && { prefixes: lookup }) }, { deadline: this.#deadline() });
      call.on('data', (response) => paths.push(...(response.destination?.paths ?? [])));
      call.on('error', (err: grpc.ServiceError) => reject(this.#explain(err, `ListPath ${family.afi}/${family.safi}`)));
      call.on('end', () => resolve(paths));
    });
  }

  close(): void {
    this.#stub.close();
  }

  #unary<T>(method: 'GetBgp' | 'AddPath' | 'DeletePath', request: object, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const callback: Callback<T> = (err, response) => (err ? reject(this.#explain(err, what)) : resolve(response));
      (this.#stub[method] as (r: object, o: grpc.CallOptions, c: Callback<T>) => void).call(this.#stub, request, { deadline: this.#deadline() }, callback);
    });
  }

  #deadline(): Date {
    return new Date(Date.now() + this.#deadlineMs);
  }

  #explain(err: grpc.ServiceError, what: string): Error {
    return UNREACHABLE.has(err.code) ? new GobgpUnreachableError(this.address, err, this.#deadlineMs) : new GobgpRequestError(this.address, what, err);
  }
}
