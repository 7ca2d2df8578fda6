// Turns TypeBox's validation errors into problems an operator can act on: the key path as the
// file writes it, what was expected and what was found.
import { Kind, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { closestName } from './did-you-mean.js';
import type { ConfigProblem } from './errors.js';
import { formatOf } from './formats.js';

export function schemaProblems(schema: TSchema, root: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const reported = new Set<string>();
  const collect = (errors: Iterable<ValueError>) => {
    for (const error of errors) {
      // One problem per key: a missing key also fails its type, a bad value may fail twice.
      if (reported.has(error.path)) continue;
      if (error.type === ValueErrorType.Union) {
        const inner = errorsOfMatchingVariant(error);
        if (inner) {
          collect(inner);
          continue;
        }
      }
      reported.add(error.path);
      problems.push({ where: keyPath(root, error.path), reason: reasonFor(error) });
    }
  };
  collect(Value.Errors(schema, root));
  return problems;
}

/** `/thresholds/incoming/pps` → `thresholds.incoming.pps`, `/networks/2` → `networks[2]`. */
export function keyPath(root: unknown, pointer: string): string {
  if (pointer === '') return '(top level)';
  let node: unknown = root;
  let path = '';
  for (const segment of pointerSegments(pointer)) {
    path += Array.isArray(node) ? `[${segment}]` : path === '' ? segment : `.${segment}`;
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return path;
}

function pointerSegments(pointer: string): string[] {
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function reasonFor(error: ValueError): string {
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const segments = pointerSegments(error.path);
      const key = segments[segments.length - 1]!;
      return unknownKeyReason(key, Object.keys(error.schema.properties ?? {}), segments.length === 1);
    }
    case ValueErrorType.ObjectRequiredProperty:
      return `missing: this key is required (${describe(error.schema)})`;
    case ValueErrorType.StringFormat: {
      const parsed = formatOf(error.schema.format)?.parse(error.value as string);
      return parsed && !parsed.ok ? parsed.reason : `expected ${describe(error.schema)}`;
    }
    case ValueErrorType.StringMinLength:
      return tooShortReason(error);
    case ValueErrorType.ArrayMinItems:
      return `must list at least ${error.schema.minItems} item${error.schema.minItems === 1 ? '' : 's'} (${describe(error.schema.items)})`;
    default:
      return `expected ${describe(error.schema)}, got ${describeValue(error.value)}${hintFor(error)}`;
  }
}

/** Never quotes the value: it may be a secret (a token). */
function tooShortReason(error: ValueError): string {
  const minimum = error.schema.minLength as number;
  if (minimum <= 1) return 'must not be empty';
  const length = (error.value as string).length;
  const hint = typeof error.schema.hint === 'string' ? `, ${error.schema.hint}` : '';
  return `is ${length} character${length === 1 ? '' : 's'} long: it must have ${minimum} characters or more${hint}`;
}

function unknownKeyReason(key: string, known: string[], topLevel: boolean): string {
  const suggestion = closestName(key, known);
  if (suggestion) return `unknown key (did you mean ${suggestion}?)`;
  if (topLevel && looksLikeFastnetmon(key)) {
    return "unknown key: this looks like FastNetMon's configuration; convert it with `floodwatch import-fastnetmon FILE`";
  }
  return `unknown key (the keys here are ${known.join(', ')})`;
}

function looksLikeFastnetmon(key: string): boolean {
  return /^(threshold_|ban_for_|enable_ban|ban_time|networks_list_path|white_list_path|netflow|sflow|notify_script_path|average_calculation_time|process_(incoming|outgoing)_traffic)/.test(
    key,
  );
}

function hintFor(error: ValueError): string {
  const value = error.value;
  const kind = error.schema[Kind];
  if (kind === 'Boolean' && typeof value === 'string' && /^(on|off|yes|no)$/i.test(value)) {
    return ' (write true or false)';
  }
  const numeric = kind === 'Number' || kind === 'Integer' || (kind === 'Union' && acceptsNumber(error.schema));
  if (numeric && typeof value === 'string' && /^\s*-?[\d_.]+\s*$/.test(value)) {
    return value.includes('_') ? ' (write the number without underscores)' : ' (write the number without quotes)';
  }
  return '';
}

function acceptsNumber(schema: TSchema): boolean {
  return (schema.anyOf as TSchema[]).some((variant) => variant[Kind] === 'Number' || variant[Kind] === 'Integer');
}

/** The errors of the one union member that takes a value of this kind, if there is exactly one. */
function errorsOfMatchingVariant(error: ValueError): Iterable<ValueError> | undefined {
  const variants = error.schema.anyOf as TSchema[];
  const matching = variants.flatMap((variant, index) => (takesKindOf(variant, error.value) ? [index] : []));
  if (matching.length !== 1) return undefined;
  const index = matching[0]!;
  if (variants[index]![Kind] === 'Literal') return undefined;
  return error.errors[index];
}

function takesKindOf(schema: TSchema, value: unknown): boolean {
  switch (schema[Kind]) {
    case 'Null':
      return value === null;
    case 'Number':
    case 'Integer':
      return typeof value === 'number';
    case 'String':
      return typeof value === 'string';
    case 'Boolean':
      return typeof value === 'boolean';
    case 'Literal':
      return typeof value === typeof schema.const;
    case 'Array':
      return Array.isArray(value);
    case 'Object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return false;
  }
}

/** What a schema expects, in words: "a whole number from 1 to 65535". */
export function describe(schema: TSchema): string {
  switch (schema[Kind]) {
    case 'Number':
    case 'Integer':
      return describeNumber(schema);
    case 'Boolean':
      return 'true or false';
    case 'String':
      if (schema.format) return formatOf(schema.format)?.expected ?? `a ${schema.format}`;
      if (schema.minLength > 1) return `a string of ${schema.minLength} characters or more`;
      return schema.minLength ? 'a non-empty string' : 'a string';
    case 'Literal':
      return String(schema.const);
    case 'Null':
      return 'null (off)';
    case 'Union': {
      const variants = schema.anyOf as TSchema[];
      if (variants.every((variant) => variant[Kind] === 'Literal')) {
        return `one of ${variants.map((variant) => String(variant.const)).join(', ')}`;
      }
      return variants.map(describe).join(', or ');
    }
    case 'Array':
      return `a list (each item ${describe(schema.items)})`;
    case 'Object':
      return `a mapping (keys: ${Object.keys(schema.properties ?? {}).join(', ')})`;
    default:
      return 'a value of another kind';
  }
}

function describeNumber(schema: TSchema): string {
  const base = schema[Kind] === 'Integer' ? 'a whole number' : 'a number';
  const { minimum, maximum, exclusiveMinimum } = schema as { minimum?: number; maximum?: number; exclusiveMinimum?: number };
  if (minimum !== undefined && maximum !== undefined) return `${base} from ${minimum} to ${maximum}`;
  if (exclusiveMinimum !== undefined) return `${base} greater than ${exclusiveMinimum}`;
  if (minimum !== undefined) return `${base} of at least ${minimum}`;
  return base;
}

function describeValue(value: unknown): string {
  if (value === null) return 'an empty value (null)';
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}
