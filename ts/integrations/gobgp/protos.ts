// floodwatch's own subset of GoBGP 3.x's API (proto/gobgp/), loaded once for gRPC and for packing Any.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import protobuf from 'protobufjs';

/** proto/gobgp/ at the root of the package: three levels up from ts/integrations/gobgp/ and dist/integrations/gobgp/. */
export const PROTO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'proto', 'gobgp');
export const PROTO_FILES = ['gobgp.proto', 'attribute.proto'];
/** The proto package of GoBGP 3.x; GoBGP 2.x said gobgpapi. */
export const PROTO_PACKAGE = 'apipb';

let root: protobuf.Root | undefined;
let definition: PackageDefinition | undefined;

/** The messages, for encoding and decoding the contents of google.protobuf.Any. */
export function protoRoot(): protobuf.Root {
  if (!root) {
    const loaded = new protobuf.Root();
    loaded.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : join(PROTO_DIR, target));
    loaded.loadSync(PROTO_FILES, { keepCase: true });
    loaded.resolveAll();
    root = loaded;
  }
  return root;
}

/** The service definition for @grpc/grpc-js: snake_case fields, enums as names, 64-bit as numbers. */
export function packageDefinition(): PackageDefinition {
  definition ??= loadSync(PROTO_FILES, {
    includeDirs: [PROTO_DIR],
    keepCase: true,
    enums: String,
    longs: Number,
    defaults: true,
  });
  return definition;
}
