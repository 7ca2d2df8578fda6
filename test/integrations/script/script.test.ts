// The notify script, run for real: FastNetMon's arguments, the report on stdin, time limit, errors.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { banEvent, type BanEventKind } from '../../../ts/integrations/types.js';
import { ScriptAction, type ScriptActionConfig } from '../../../ts/integrations/script/script.js';
import { renderTextReport } from '../../../ts/report/text.js';
import { installScript, manualBanEvent, memoryLogger, sampleAttack, sampleBan, sampleEvent } from '../support.js';

function scriptConfig(path: string, overrides: Partial<ScriptActionConfig> = {}): ScriptActionConfig {
  return { enabled: true, path, format: 'text', timeout_seconds: 30, ...overrides };
}

function recorded(dir: string): { argv: string[]; stdin: string } {
  return {
    argv: readFileSync(join(dir, 'argv'), 'utf8').trimEnd().split('\n'),
    stdin: readFileSync(join(dir, 'stdin'), 'utf8'),
  };
}

/** Running, not a zombie waiting to be reaped. */
function processRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('notify script', () => {
  it.each<BanEventKind>(['ban', 'unban', 'attack_details'])('is called as SCRIPT IP DIRECTION PPS %s with the text report on stdin', async (kind) => {
    const { dir, path } = installScript('record.sh');
    const { logger, records } = memoryLogger();
    const event = sampleEvent(kind);
    await new ScriptAction(scriptConfig(path), logger).run(event);
    const { argv, stdin } = recorded(dir);
    expect(argv).toEqual(['203.0.113.10', 'incoming', '41234', kind]);
    expect(stdin).toBe(renderTextReport(event));
    const done = records.find((r) => r.msg === 'notify script finished');
    expect(done).toMatchObject({ exit_code: 0, stdout: `recorded 203.0.113.10 ${kind}\n`, stderr: '' });
  });

  it('passes the outgoing direction and the JSON report when the config asks for it', async () => {
    const { dir, path } = installScript('record.sh');
    const attack = sampleAttack({ direction: 'outgoing', peak: { pps: 99999.5, mbps: 80, flows: 5 } });
    const ban = sampleBan({ direction: 'outgoing' });
    await new ScriptAction(scriptConfig(path, { format: 'json' }), memoryLogger().logger).run(banEvent('ban', ban, attack));
    const { argv, stdin } = recorded(dir);
    expect(argv).toEqual(['203.0.113.10', 'outgoing', '100000', 'ban']);
    expect(JSON.parse(stdin)).toEqual(attack);
  });

  it('passes 0 pps for a manual ban', async () => {
    const { dir, path } = installScript('record.sh');
    await new ScriptAction(scriptConfig(path), memoryLogger().logger).run(manualBanEvent());
    expect(recorded(dir).argv).toEqual(['192.0.2.55', 'incoming', '0', 'ban']);
  });

  it('fails on a non-zero exit, with what the script said on stderr', async () => {
    const { path } = installScript('fail.sh');
    const { logger, records } = memoryLogger();
    await expect(new ScriptAction(scriptConfig(path), logger).run(sampleEvent())).rejects.toThrow(
      `notify script ${path} exited with code 3: cannot reach the router`,
    );
    expect(records.find((r) => r.msg === 'notify script failed')).toMatchObject({
      level: 40,
      exit_code: 3,
      stdout: 'connecting to the router\n',
      stderr: 'cannot reach the router\n',
    });
  });

  it('kills a script that runs past its time limit, children included, and reports a timeout', async () => {
    const { dir, path } = installScript('slow.sh');
    const { logger, records } = memoryLogger();
    const action = new ScriptAction(scriptConfig(path, { timeout_seconds: 1 }), logger, { killGraceMs: 300 });
    const started = Date.now();
    await expect(action.run(sampleEvent())).rejects.toThrow(/timed out: still running after 1 s, it was killed; .*raise actions\.script\.timeout_seconds/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(records.find((r) => r.msg === 'notify script failed')).toMatchObject({ timed_out: true, signal: 'SIGKILL' });
    const child = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
    await expect.poll(() => processRunning(child), { timeout: 5_000 }).toBe(false);
  });

  it('tells the operator when the script does not exist', async () => {
    const path = join(tmpdir(), 'floodwatch-no-such-dir', 'notify.sh');
    await expect(new ScriptAction(scriptConfig(path), memoryLogger().logger).run(sampleEvent())).rejects.toThrow(
      `notify script ${path} does not exist: install it there, or set actions.script.path to where it is`,
    );
  });

  it('tells the operator to chmod +x a script that is not executable', async () => {
    const { path } = installScript('record.sh', false);
    await expect(new ScriptAction(scriptConfig(path), memoryLogger().logger).run(sampleEvent())).rejects.toThrow(
      `notify script ${path} is not executable: run chmod +x ${path}`,
    );
  });

  it('refuses a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floodwatch-script-'));
    await expect(new ScriptAction(scriptConfig(dir), memoryLogger().logger).run(sampleEvent())).rejects.toThrow(/is not a file/);
  });

  it('points at the #! line when its interpreter is missing', async () => {
    const { path } = installScript('bad-interpreter.sh');
    await expect(new ScriptAction(scriptConfig(path), memoryLogger().logger).run(sampleEvent())).rejects.toThrow(
      /could not be started \(ENOENT\): the interpreter on its #! line does not exist/,
    );
  });

  it('succeeds when the script exits without reading a large report', async () => {
    const { path } = installScript('ignore-input.sh');
    const many = Array.from({ length: 5000 }, (_, i) => ({ key: `10.${i >> 8}.${i & 255}.1`, packets: i, bytes: i * 60 }));
    const event = banEvent('ban', sampleBan(), sampleAttack({ top_sources: many }));
    expect(renderTextReport(event).length).toBeGreaterThan(128 * 1024);
    await new ScriptAction(scriptConfig(path), memoryLogger().logger).run(event);
  });

  it('caps the output it logs', async () => {
    const { path } = installScript('chatty.sh');
    const { logger, records } = memoryLogger();
    await new ScriptAction(scriptConfig(path), logger, { outputLimitBytes: 1024 }).run(sampleEvent());
    const done = records.find((r) => r.msg === 'notify script finished')!;
    expect(done.stdout).toBe('x'.repeat(1024));
    expect(done.stdout_truncated).toBe(true);
    expect(done.stderr).toBe('done\n');
  });

  it('does not wait for a background child that keeps its output open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floodwatch-script-'));
    const path = join(dir, 'daemonize.sh');
    writeFileSync(path, '#!/bin/sh\nsleep 30 &\necho $! > "$(dirname "$0")/child.pid"\necho started\nexit 0\n');
    chmodSync(path, 0o755);
    const started = Date.now();
    await new ScriptAction(scriptConfig(path, { timeout_seconds: 20 }), memoryLogger().logger).run(sampleEvent());
    expect(Date.now() - started).toBeLessThan(10_000);
    process.kill(Number(readFileSync(join(dir, 'child.pid'), 'utf8')), 'SIGKILL');
  });
});
