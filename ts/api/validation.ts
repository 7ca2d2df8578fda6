// Request validation against the TypeBox route schemas, with messages that name the field,
// what it was and what it should be. Query strings and path parameters arrive as text and are
// converted first (limit=20 → 20); bodies are JSON and are taken as they are.
import { Kind, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import type { FastifySchemaCompiler } from 'fastify';

export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart, method, url }) => {
  if (!(Kind in schema)) throw new Error(`${method} ${url}: its ${httpPart} schema is not a TypeBox schema`);
  const check = TypeCompiler.Compile(schema);
  const fromText = httpPart !== 'body';
  return (input: unknown) => {
    const value = fromText ? Value.Convert(schema, Value.Default(schema, Value.Clone(input ?? {}))) : input;
    if (check.Check(value)) return { value };
    return { error: new Error(describeErrors(httpPart ?? 'body', check.Errors(value))) };
  };
};

function describeErrors(part: string, errors: Iterable<ValueError>): string {
  const byPath = new Map<string, string>();
  for (const error of errors) {
    if (!byPath.has(error.path)) byPath.set(error.path, describeError(part, error));
  }
  return [...byPath.values()].join('; ');
}

function describeError(part: string, error: ValueError): string {
  const where = fieldName(part, error.path);
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    const known = Object.keys((error.schema.properties ?? {}) as object);
    return `${where} is not a known field (known: ${known.join(', ')})`;
  }
  if (error.type === ValueErrorType.ObjectRequiredProperty) return `${where} is missing: expected ${expectation(error.schema)}`;
  if (error.path === '' && part === 'body' && (error.value === null || error.value === undefined)) {
    return `the body is missing: send ${expectation(error.schema)} with Content-Type: application/json`;
  }
  return `${where} is ${shown(error.value)}: expected ${expectation(error.schema)}`;
}

function fieldName(part: string, path: string): string {
  const field = path.split('/').slice(1).join('.');
  if (field === '') return part === 'body' ? 'the body' : `the ${part}`;
  const noun = { body: 'body field', querystring: 'query parameter', params: 'path parameter', headers: 'header' }[part] ?? part;
  return `${noun} '${field}'`;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** What a schema accepts, in words. */
function expectation(schema: TSchema): string {
  switch (schema[Kind]) {
    case 'Union': {
      const options = (schema.anyOf as TSchema[]) ?? [];
      if (options.every((option) => option[Kind] === 'Literal')) return `one of ${options.map((o) => o.const).join(', ')}`;
      return options.map(expectation).join(' or ');
    }
    case 'Literal':
      return JSON.stringify(schema.const);
    case 'Integer':
    case 'Number':
      return numberExpectation(schema);
    case 'String':
      return stringExpectation(schema);
    case 'Boolean':
      return 'true or false';
    case 'Object': {
      const properties = Object.keys((schema.properties ?? {}) as object);
      const required = new Set((schema.required as string[] | undefined) ?? []);
      return `a JSON object with ${properties.map((p) => (required.has(p) ? `${p} (required)` : p)).join(', ')}`;
    }
    default:
      return String(schema[Kind]).toLowerCase();
  }
}

function numberExpectation(schema: TSchema): string {
  const noun = schema[Kind] === 'Integer' ? 'an integer' : 'a number';
  const { minimum, maximum } = schema as { minimum?: number; maximum?: number };
  if (minimum !== undefined && maximum !== undefined) return `${noun} from ${minimum} to ${maximum}`;
  if (minimum !== undefined) return `${noun} of at least ${minimum}`;
  if (maximum !== undefined) return `${noun} of at most ${maximum}`;
  return noun;
}

function stringExpectation(schema: TSchema): string {
  if (typeof schema.description === 'string') return `text: ${schema.description}`;
  const { minLength, maxLength, pattern } = schema as { minLength?: number; maxLength?: number; pattern?: string };
  const parts = ['text'];
  if (pattern) parts.push(`matching ${pattern}`);
  if (minLength !== undefined && maxLength !== undefined) parts.push(`of ${minLength} to ${maxLength} characters`);
  else if (maxLength !== undefined) parts.push(`of at most ${maxLength} characters`);
  else if (minLength !== undefined) parts.push(`of at least ${minLength} characters`);
  return parts.join(' ');
}
