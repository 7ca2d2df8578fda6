// The YAML the import builds, as a plain object: where each part of it goes.

/** Its `actions` section, created when first written to. */
export function actionsOf(out: Record<string, unknown>): Record<string, unknown> {
  return (out.actions ??= {}) as Record<string, unknown>;
}
