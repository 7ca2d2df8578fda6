// A configuration with mistakes is refused before anything starts, by `floodwatch run` and by
// `floodwatch check-config` alike: the file, the key path and the reason of every mistake.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { floodwatch } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'floodwatch-daemon-bad-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stateDir = join(dir, 'state');
const badConfig = join(dir, 'bad.yaml');
writeFileSync(
  badConfig,
  `state_dir: ${stateDir}
sources:
  flow:
    listen: ["127.0.0.1:0"]
thresholds:
  incoming:
    ppss: 5000
ban:
  time_seconds: -4
`,
);

const PROBLEMS = [
  `${badConfig}: thresholds.incoming.ppss: unknown key (did you mean pps?)`,
  `${badConfig}: ban.time_seconds: expected a whole number of at least 1, got -4`,
];

describe('a bad configuration', () => {
  it('is refused by floodwatch run, which exits non-zero without starting', async () => {
    const { code, stdout, stderr } = await floodwatch(['run', '--config', badConfig], { timeoutMs: 30_000 });
    expect(code).not.toBe(0);
    for (const problem of PROBLEMS) expect(stderr).toContain(`${problem}\n`);
    expect(stdout).not.toContain('listening for');
    expect(existsSync(stateDir)).toBe(false);
  });

  it('is refused by floodwatch check-config the same way', async () => {
    const { code, stdout, stderr } = await floodwatch(['check-config', '--config', badConfig]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    for (const problem of PROBLEMS) expect(stderr).toContain(`${problem}\n`);
    expect(stderr).toContain(`${badConfig}: configuration is not valid (2 problems)\n`);
    expect(existsSync(stateDir)).toBe(false);
  });

  it('that does not exist is named with the reason', async () => {
    const missing = join(dir, 'missing.yaml');
    const { code, stderr } = await floodwatch(['run', '--config', missing], { timeoutMs: 30_000 });
    expect(code).not.toBe(0);
    expect(stderr).toContain(`${missing}: no such file (check the path)\n`);
  });
});
