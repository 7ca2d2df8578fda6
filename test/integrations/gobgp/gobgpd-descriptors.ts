// The .proto descriptors compiled into the gobgpd binary (protoc-gen-go embeds each file's
// serialized FileDescriptorProto), read back to check floodwatch's proto subset against the
// daemon actually installed, field number by field number.
import { readFileSync } from 'node:fs';
import descriptor from 'protobufjs/ext/descriptor/index.js';

export interface FieldShape {
  number: number;
  repeated: boolean;
  /** A scalar type name ("uint32", "string") or a message or enum's full name (".apipb.Family"). */
  type: string;
}

export interface ProtoShapes {
  messages: Map<string, Map<string, FieldShape>>;
  enums: Map<string, Map<string, number>>;
  methods: Map<string, { input: string; output: string; serverStreaming: boolean; clientStreaming: boolean }>;
}

interface FieldJson {
  name: string;
  number: number;
  label?: string;
  type: string;
  typeName?: string;
}
interface EnumJson {
  name: string;
  value?: { name: string; number: number }[];
}
interface MessageJson {
  name: string;
  field?: FieldJson[];
  nestedType?: MessageJson[];
  enumType?: EnumJson[];
}
interface FileJson {
  package: string;
  messageType?: MessageJson[];
  enumType?: EnumJson[];
  service?: { name: string; method?: { name: string; inputType: string; outputType: string; serverStreaming?: boolean; clientStreaming?: boolean }[] }[];
}

/** The descriptor of `fileName` (e.g. "gobgp.proto" of package apipb) inside `binary`. */
export function embeddedFileDescriptor(binary: string, fileName: string, protoPackage: string): FileJson {
  const data = readFileSync(binary);
  const name = Buffer.from(fileName);
  const pkg = Buffer.from(protoPackage);
  // Field 1 (name) then field 2 (package): how every FileDescriptorProto begins.
  const head = Buffer.concat([Buffer.from([0x0a, name.length]), name, Buffer.from([0x12, pkg.length]), pkg]);
  const start = data.indexOf(head);
  if (start < 0) throw new Error(`${binary} holds no descriptor of ${fileName} (package ${protoPackage})`);
  const bytes = data.subarray(start, start + descriptorLength(data, start));
  const file = descriptor.FileDescriptorProto.decode(bytes);
  return descriptor.FileDescriptorProto.toObject(file, { enums: String, defaults: false }) as FileJson;
}

/** Reads top-level fields (numbers 1 to 14, varint or length-delimited) until the bytes stop being one. */
function descriptorLength(data: Buffer, start: number): number {
  const varint = (at: number): [number, number] => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = data[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(byte & 0x80)) return [value, at];
    }
  };
  let at = start;
  for (;;) {
    const [tag, afterTag] = varint(at);
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field < 1 || field > 14 || (wireType !== 0 && wireType !== 2)) return at - start;
    if (wireType === 0) {
      at = varint(afterTag)[1];
      continue;
    }
    const [length, afterLength] = varint(afterTag);
    if (afterLength + length > data.length) return at - start;
    at = afterLength + length;
  }
}

const SCALARS: Record<string, string> = {
  TYPE_DOUBLE: 'double',
  TYPE_FLOAT: 'float',
  TYPE_INT64: 'int64',
  TYPE_UINT64: 'uint64',
  TYPE_INT32: 'int32',
  TYPE_FIXED64: 'fixed64',
  TYPE_FIXED32: 'fixed32',
  TYPE_BOOL: 'bool',
  TYPE_STRING: 'string',
  TYPE_BYTES: 'bytes',
  TYPE_UINT32: 'uint32',
  TYPE_SFIXED32: 'sfixed32',
  TYPE_SFIXED64: 'sfixed64',
  TYPE_SINT32: 'sint32',
  TYPE_SINT64: 'sint64',
};

/** Messages, enums and methods of descriptor files, by full name (".apipb.Path"). */
export function shapesOf(files: FileJson[]): ProtoShapes {
  const shapes: ProtoShapes = { messages: new Map(), enums: new Map(), methods: new Map() };
  const addEnum = (scope: string, e: EnumJson) => shapes.enums.set(`${scope}.${e.name}`, new Map((e.value ?? []).map((v) => [v.name, v.number])));
  const addMessage = (scope: string, m: MessageJson) => {
    const fullName = `${scope}.${m.name}`;
    const fields = new Map<string, FieldShape>();
    for (const f of m.field ?? []) {
      fields.set(f.name, { number: f.number, repeated: f.label === 'LABEL_REPEATED', type: f.typeName ?? SCALARS[f.type] ?? f.type });
    }
    shapes.messages.set(fullName, fields);
    for (const nested of m.nestedType ?? []) addMessage(fullName, nested);
    for (const e of m.enumType ?? []) addEnum(fullName, e);
  };
  for (const file of files) {
    const scope = `.${file.package}`;
    for (const m of file.messageType ?? []) addMessage(scope, m);
    for (const e of file.enumType ?? []) addEnum(scope, e);
    for (const service of file.service ?? []) {
      for (const method of service.method ?? []) {
        shapes.methods.set(`${scope}.${service.name}.${method.name}`, {
          input: method.inputType,
          output: method.outputType,
          serverStreaming: method.serverStreaming ?? false,
          clientStreaming: method.clientStreaming ?? false,
        });
      }
    }
  }
  return shapes;
}
