// The building blocks of the configuration schema, shared by ts/config/schema.ts and each
// integration's own section (ts/integrations/<name>/).
import { Type, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';
import type { StringFormatName } from './formats.js';
import './formats.js';

export const strict = { additionalProperties: false } as const;

export function FormattedString(format: StringFormatName) {
  return Type.String({ format });
}

export function Choice<const T extends readonly string[]>(values: T): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(values.map((value) => Type.Literal(value)));
}

export function OrOff<T extends TSchema>(schema: T) {
  return Type.Optional(Type.Union([schema, Type.Null()]));
}

export const Port = Type.Integer({ minimum: 1, maximum: 65535 });
export const PositiveInteger = Type.Integer({ minimum: 1 });
export const Rate = Type.Number({ exclusiveMinimum: 0 });
