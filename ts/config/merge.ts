// Lays a configuration file over the embedded default.

/**
 * Mappings merge key by key, to any depth; lists, scalars and nulls in the file replace the
 * default. A `thresholds` block replaces the default one whole, so that what it leaves out is
 * off rather than the default.
 */
export function mergeOverDefaults(defaults: unknown, file: unknown): unknown {
  return merge(defaults, file, '');
}

const REPLACED_WHOLE = new Set(['thresholds']);

function merge(defaults: unknown, file: unknown, path: string): unknown {
  if (!isMapping(defaults) || !isMapping(file) || REPLACED_WHOLE.has(path)) return file;
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) setOwn(merged, key, defaults[key]);
  for (const key of Object.keys(file)) {
    const value = Object.hasOwn(defaults, key) ? merge(defaults[key], file[key], path ? `${path}.${key}` : key) : file[key];
    setOwn(merged, key, value);
  }
  return merged;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// A key named __proto__ in a file must stay a key (and be refused as unknown), not a prototype.
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
