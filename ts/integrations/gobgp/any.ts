// google.protobuf.Any, packed and unpacked by hand: @grpc/proto-loader sends an empty value for its
// '@type' shortcut, so the inner message is encoded here with protobufjs from the same .proto files.
import protobuf from 'protobufjs';
import { PROTO_PACKAGE, protoRoot } from './protos.js';

export interface AnyMessage {
  type_url: string;
  value: Uint8Array;
}

const TYPE_URL_PREFIX = `type.googleapis.com/${PROTO_PACKAGE}.`;

/** `message` as an Any holding the apipb message `typeName` (e.g. 'NextHopAttribute'). */
export function pack(typeName: string, message: Record<string, unknown>): AnyMessage {
  const type = protoRoot().lookupType(`${PROTO_PACKAGE}.${typeName}`);
  return { type_url: TYPE_URL_PREFIX + typeName, value: type.encode(type.fromObject(message)).finish() };
}

/** The Any's type name and contents; null for a type floodwatch's proto subset does not hold. */
export function unpack(any: AnyMessage): { typeName: string; message: Record<string, unknown> } | null {
  if (!any.type_url.startsWith(TYPE_URL_PREFIX)) return null;
  const typeName = any.type_url.slice(TYPE_URL_PREFIX.length);
  const type = protoRoot().lookup(`${PROTO_PACKAGE}.${typeName}`);
  if (!(type instanceof protobuf.Type)) return null;
  const message = type.toObject(type.decode(any.value), { longs: Number, enums: String, defaults: true });
  return { typeName, message };
}
