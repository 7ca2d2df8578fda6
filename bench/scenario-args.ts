// The command line of the bench/measure-*.ts scripts: --smoke and positive numeric options.
import { parseArgs } from 'node:util';

/**
 * Reads `argv` with node's parseArgs: `--smoke`, and each `--FLAG N` of `numeric` (flag name to
 * option key) as a positive number. A wrong argument throws with `usage`.
 */
export function parseScenarioArgs<K extends string>(
  argv: string[],
  usage: string,
  numeric: Record<string, K>,
): { smoke: boolean } & Partial<Record<K, number>> {
  const options = Object.fromEntries(Object.keys(numeric).map((flag) => [flag, { type: 'string' as const }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: { smoke: { type: 'boolean' }, ...options }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${usage}`, { cause: err });
  }
  const out = { smoke: values.smoke === true } as { smoke: boolean } & Partial<Record<K, number>>;
  for (const [flag, key] of Object.entries(numeric)) {
    const text = values[flag];
    if (text === undefined) continue;
    const value = Number(text);
    if (!(value > 0)) throw new Error(`--${flag} needs a positive number\n${usage}`);
    (out as Record<string, number>)[key] = value;
  }
  return out;
}
