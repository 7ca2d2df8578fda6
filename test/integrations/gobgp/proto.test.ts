// floodwatch's subset of GoBGP's API against the gobgpd installed here: every message, field,
// enum value and method it declares must be in the daemon's own descriptors, with the same
// number and type (GoBGP's v4 protos, or a mistyped number, would fail here and not in production).
import { execFileSync } from 'node:child_process';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { pack, unpack } from '../../../ts/integrations/gobgp/any.js';
import { PROTO_FILES, PROTO_PACKAGE, protoRoot } from '../../../ts/integrations/gobgp/protos.js';
import { embeddedFileDescriptor, shapesOf, type FieldShape, type ProtoShapes } from './gobgpd-descriptors.js';

const GOBGPD = execFileSync('sh', ['-c', 'command -v gobgpd'], { encoding: 'utf8' }).trim();

function ourShapes(): ProtoShapes {
  const shapes: ProtoShapes = { messages: new Map(), enums: new Map(), methods: new Map() };
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) {
        const fields = new Map<string, FieldShape>();
        for (const field of nested.fieldsArray) {
          field.resolve();
          fields.set(field.name, { number: field.id, repeated: field.repeated, type: field.resolvedType?.fullName ?? field.type });
        }
        shapes.messages.set(nested.fullName, fields);
        walk(nested);
      } else if (nested instanceof protobuf.Enum) {
        shapes.enums.set(nested.fullName, new Map(Object.entries(nested.values)));
      } else if (nested instanceof protobuf.Service) {
        for (const method of nested.methodsArray) {
          method.resolve();
          shapes.methods.set(method.fullName, {
            input: method.resolvedRequestType!.fullName,
            output: method.resolvedResponseType!.fullName,
            serverStreaming: method.responseStream ?? false,
            clientStreaming: method.requestStream ?? false,
          });
        }
      }
    }
  };
  walk(protoRoot().lookup(PROTO_PACKAGE) as protobuf.Namespace);
  return shapes;
}

describe('the proto subset in proto/gobgp/', () => {
  const ours = ourShapes();
  const theirs = shapesOf(PROTO_FILES.map((file) => embeddedFileDescriptor(GOBGPD, file, PROTO_PACKAGE)));

  it('declares the messages the action uses', () => {
    for (const name of [
      'Path',
      'Family',
      'AddPathRequest',
      'DeletePathRequest',
      'ListPathRequest',
      'GetBgpResponse',
      'OriginAttribute',
      'NextHopAttribute',
      'CommunitiesAttribute',
      'LargeCommunitiesAttribute',
      'MpReachNLRIAttribute',
      'IPAddressPrefix',
      'FlowSpecNLRI',
      'FlowSpecIPPrefix',
      'FlowSpecComponent',
      'FlowSpecComponentItem',
      'ExtendedCommunitiesAttribute',
      'TrafficRateExtended',
    ]) {
      expect(ours.messages.has(`.apipb.${name}`), name).toBe(true);
    }
  });

  it(`matches ${GOBGPD}'s descriptors field by field`, () => {
    expect(theirs.messages.size).toBeGreaterThan(100);
    for (const [message, fields] of ours.messages) {
      const actual = theirs.messages.get(message);
      expect(actual, `${message} is not in gobgpd's API`).toBeDefined();
      for (const [name, shape] of fields) expect(actual!.get(name), `${message}.${name}`).toEqual(shape);
    }
  });

  it('matches its enum values and methods', () => {
    for (const [name, values] of ours.enums) {
      const actual = theirs.enums.get(name);
      expect(actual, `${name} is not in gobgpd's API`).toBeDefined();
      for (const [value, number] of values) expect(actual!.get(value), `${name}.${value}`).toBe(number);
    }
    expect([...ours.methods.keys()].sort()).toEqual([
      '.apipb.GobgpApi.AddPath',
      '.apipb.GobgpApi.DeletePath',
      '.apipb.GobgpApi.GetBgp',
      '.apipb.GobgpApi.ListPath',
    ]);
    for (const [name, method] of ours.methods) {
      const actual = theirs.methods.get(name)!;
      expect({ ...actual, output: actual.output.replace('.google.protobuf.', 'google.protobuf.') }, name).toEqual({
        ...method,
        output: method.output.replace('.google.protobuf.', 'google.protobuf.'),
      });
    }
  });
});

describe('Any packing', () => {
  it('encodes the inner message and names its apipb type', () => {
    const any = pack('NextHopAttribute', { next_hop: '192.0.2.1' });
    expect(any.type_url).toBe('type.googleapis.com/apipb.NextHopAttribute');
    // Field 1, length-delimited, 9 bytes: "192.0.2.1".
    expect(Buffer.from(any.value).toString('hex')).toBe(`0a09${Buffer.from('192.0.2.1').toString('hex')}`);
    expect(unpack(any)).toEqual({ typeName: 'NextHopAttribute', message: { next_hop: '192.0.2.1' } });
  });

  it('nests Any in Any (MpReach NLRI, FlowSpec rules) and leaves alone types it does not know', () => {
    const nlri = pack('IPAddressPrefix', { prefix: '2001:db8::1', prefix_len: 128 });
    const mpReach = unpack(pack('MpReachNLRIAttribute', { family: { afi: 'AFI_IP6', safi: 'SAFI_UNICAST' }, next_hops: ['100::1'], nlris: [nlri] }));
    expect(mpReach?.message.family).toEqual({ afi: 'AFI_IP6', safi: 'SAFI_UNICAST' });
    expect(unpack((mpReach?.message.nlris as (typeof nlri)[])[0]!)?.message).toEqual({ prefix: '2001:db8::1', prefix_len: 128 });
    expect(unpack({ type_url: 'type.googleapis.com/apipb.SomethingElse', value: new Uint8Array() })).toBeNull();
  });
});
