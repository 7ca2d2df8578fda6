// check-config refuses what `floodwatch run` refuses: a notify script it cannot run, a log level
// pino does not know; and it warns about a file that sets nothing.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { checkConfigCommand } from '../../ts/cli/check-config.js';
import { floodwatch } from '../support/cli.js';
import { runCommand } from './output.js';

const dir = mkdtempSync(join(tmpdir(), 'floodwatch-machine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

function configFile(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, `state_dir: ${join(dir, 'state')}\n${yaml}`, { mode: 0o600 });
  return path;
}

const withScript = (name: string, script: string) => configFile(name, `actions:\n  script:\n    enabled: true\n    path: ${script}\n`);

describe('the notify script', () => {
  it('that does not exist is refused, with what to do', async () => {
    const path = withScript('missing-script.yaml', join(dir, 'notify.sh'));
    const { code, stderr } = await runCommand(checkConfigCommand, ['--config', path]);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `${path}: actions.script.path: ${join(dir, 'notify.sh')} does not exist: install the notify script there, or set actions.script.enabled: false\n`,
    );
  });

  it('that is not executable is refused, with the chmod to run', async () => {
    const script = join(dir, 'not-executable.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o644);
    const path = withScript('not-executable.yaml', script);
    const { code, stderr } = await runCommand(checkConfigCommand, ['--config', path]);
    expect(code).toBe(1);
    expect(stderr).toContain(`actions.script.path: ${script} is not executable by this user: run chmod +x ${script}`);
    chmodSync(script, 0o755);
    expect((await runCommand(checkConfigCommand, ['--config', path])).code).toBe(0);
  });

  it('that is a directory is refused', async () => {
    const { code, stderr } = await runCommand(checkConfigCommand, ['--config', withScript('directory.yaml', dir)]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${dir} is not a file`);
  });
});

describe('FLOODWATCH_LOG_LEVEL', () => {
  const refusal = "FLOODWATCH_LOG_LEVEL is 'verbose', which is not a log level: use one of fatal, error, warn, info, debug, trace, silent";

  it('that pino does not know is refused by check-config, naming the allowed levels', async () => {
    vi.stubEnv('FLOODWATCH_LOG_LEVEL', 'verbose');
    const { code, stderr } = await runCommand(checkConfigCommand, ['--config', configFile('plain.yaml', '')]);
    expect(code).toBe(1);
    expect(stderr).toContain(refusal);
    vi.stubEnv('FLOODWATCH_LOG_LEVEL', 'debug');
    expect((await runCommand(checkConfigCommand, ['--config', configFile('plain.yaml', '')])).code).toBe(0);
  });

  it('is refused by floodwatch run the same way, before it starts', async () => {
    const path = configFile('run.yaml', 'api:\n  enabled: false\nsources:\n  flow:\n    listen: []\n');
    const { code, stdout, stderr } = await floodwatch(['run', '--config', path], { env: { FLOODWATCH_LOG_LEVEL: 'verbose' } });
    expect(code).toBe(1);
    expect(stderr).toContain(refusal);
    expect(stderr).not.toContain('default level');
    expect(stdout).toBe('');
  });
});

describe('check-config', () => {
  it('warns that a file setting nothing leaves everything defaulted', async () => {
    const path = join(dir, 'empty.yaml');
    writeFileSync(path, '# nothing yet\n');
    const { code, stderr } = await runCommand(checkConfigCommand, ['--config', path]);
    expect(code).toBe(0);
    expect(stderr).toContain(`${path}: warning: ${path} sets nothing, so every setting is the embedded default`);
    const set = await runCommand(checkConfigCommand, ['--config', configFile('set.yaml', '')]);
    expect(set.stderr).not.toContain('sets nothing');
  });

  it('shows the API address and whether a token is set, FLOODWATCH_API_TOKEN included', async () => {
    const path = configFile('api.yaml', '');
    expect((await runCommand(checkConfigCommand, ['--config', path])).stdout).toMatch(
      /^ {2}api: 127\.0\.0\.1:7780, no token \(changes from this machine only\),/m,
    );
    vi.stubEnv('FLOODWATCH_API_TOKEN', 'a-token-of-16-chars-or-more');
    expect((await runCommand(checkConfigCommand, ['--config', path])).stdout).toMatch(/^ {2}api: 127\.0\.0\.1:7780, 1 token,/m);
  });
});
