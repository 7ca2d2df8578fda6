// A state directory whose bans.json belongs to another user (floodwatch run once as root, then
// from its systemd unit as its own user): check-config and run refuse, saying to fix the owner;
// the file stays where it is, bans and all, instead of being moved aside.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daemonConfig, freeUdpPort, writeConfig } from '../support/daemon.js';

const MAIN = fileURLToPath(new URL('../../ts/cli/main.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const NOBODY = 65534;
const BANS = JSON.stringify({
  version: 1,
  bans: [
    {
      ip: '198.51.100.9',
      direction: 'incoming',
      hostgroup: 'global',
      attack_id: null,
      banned_at: '2026-01-01T00:00:00.000Z',
      expires_at: '2099-01-01T00:00:00.000Z',
      manual: true,
      comment: null,
    },
  ],
});

/** Runs the CLI as the user nobody (the test runs as root to set this up). */
function asNobody(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'setpriv',
      [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '--import', 'tsx', MAIN, ...args],
      { cwd: REPO, timeout: 30_000, env: { ...process.env, HOME: '/tmp' } },
      (error, _stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stderr }),
    );
  });
}

describe.runIf(process.getuid?.() === 0)('a state file owned by another user', () => {
  let dir: string;
  let stateDir: string;
  let config: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'floodwatch-owner-'));
    chmodSync(dir, 0o755);
    stateDir = join(dir, 'state');
    mkdirSync(join(stateDir, 'attacks'), { recursive: true });
    chownSync(stateDir, NOBODY, NOBODY);
    chownSync(join(stateDir, 'attacks'), NOBODY, NOBODY);
    // Written by a floodwatch run as root: root's, mode 600.
    writeFileSync(join(stateDir, 'bans.json'), BANS, { mode: 0o600 });
    config = writeConfig(join(dir, 'floodwatch.yaml'), daemonConfig({ stateDir, port: await freeUdpPort() }));
    chmodSync(config, 0o644);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const advice = () =>
    `state_dir: ${join(stateDir, 'bans.json')} belongs to uid 0 but floodwatch runs as uid ${NOBODY} (EACCES): ` +
    `give the state directory to the user floodwatch runs as (chown -R ${NOBODY} ${stateDir})`;

  it('is refused by check-config, which says to fix the owner', async () => {
    const { code, stderr } = await asNobody(['check-config', '--config', config]);
    expect(code).toBe(1);
    expect(stderr).toContain(advice());
    expect(stderr).not.toMatch(/moved? aside/);
  });

  it('is refused by run the same way, and the bans file stays where it is, untouched', async () => {
    const { code, stderr } = await asNobody(['run', '--config', config]);
    expect(code).toBe(1);
    expect(stderr).toContain(advice());
    expect(readFileSync(join(stateDir, 'bans.json'), 'utf8')).toBe(BANS);
    expect(readdirSync(stateDir).sort()).toEqual(['attacks', 'bans.json']);
  });
});
