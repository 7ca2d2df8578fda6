// A configuration with mistakes is refused before anything starts, by `floodwatch run` and by
// `floodwatch check-config` alike: the file, the key path and the reason of every mistake.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { floodwatch } from '../support/cli.js';
import { DaemonProcess } from '../support/daemon.js';

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

describe('floodwatch run', () => {
  it('refuses a state directory on a read-only file system, naming it and what to do', async () => {
    if (process.getuid?.() !== 0) return expect.fail('mounting a read-only file system needs root');
    const readOnly = join(dir, 'read-only');
    mkdirSync(readOnly);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', readOnly]);
    try {
      const config = join(dir, 'read-only-state.yaml');
      writeFileSync(config, `state_dir: ${join(readOnly, 'state')}\nsources:\n  flow:\n    listen: ["127.0.0.1:0"]\napi:\n  listen: 127.0.0.1:0\n`);
      const { code, stdout, stderr } = await floodwatch(['run', '--config', config], { timeoutMs: 30_000 });
      expect(code).toBe(1);
      expect(stderr).toContain(`${config}: state_dir: ${readOnly} (where ${join(readOnly, 'state')} would be created) is on a read-only file system (EROFS)`);
      expect(stderr).toContain('remount it read-write or set state_dir to a writable directory');
      expect(stderr).not.toContain('ENOENT');
      expect(stdout).not.toContain('listening for');
    } finally {
      execFileSync('umount', [readOnly]);
    }
  });

  it('warns at start when its config file holds secrets that others may read, and when any host may send it flows', async () => {
    const config = join(dir, 'shared-secrets.yaml');
    writeFileSync(
      config,
      `state_dir: ${join(dir, 'secrets-state')}\nsources:\n  flow:\n    listen: ["0.0.0.0:0"]\napi:\n  listen: 127.0.0.1:0\n  tokens: [${'t'.repeat(32)}]\n`,
    );
    chmodSync(config, 0o644);
    const daemon = await DaemonProcess.start(config);
    try {
      expect(
        daemon.logged(
          `${config} holds secrets (api.tokens) but its group and other users may read it (mode 644): run chmod 600 ${config} (and chown it to the user floodwatch runs as)`,
        ),
      ).toEqual([expect.objectContaining({ level: 40, config })]);
      expect(daemon.logText()).not.toContain('t'.repeat(32));
      expect(
        daemon.logged(/^bans are on and sources\.flow\.allowed_exporters is empty, so any host that can send UDP to 0\.0\.0\.0:0 is taken as an exporter/),
      ).toEqual([expect.objectContaining({ level: 40, config })]);
    } finally {
      await daemon.kill();
    }
  });
});
