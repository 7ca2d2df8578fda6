// What a configuration exposes: an API beyond loopback without a token, short tokens, a password
// sent in clear, secrets in a file others may read, exporters anyone may impersonate, and a state
// directory floodwatch cannot write. `run` and `check-config` decide each the same way.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkConfigCommand } from '../../ts/cli/check-config.js';
import { parseConfig } from '../../ts/config/load.js';
import { stateDirProblems } from '../../ts/config/state-dir.js';
import { runCommand } from './output.js';
import { problemsOf } from './problems.js';

const TOKEN = 'a-token-of-32-characters-0123456';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-config-exposure-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function configFile(yaml: string, mode = 0o600): string {
  const path = join(dir, `config-${++fileCount}.yaml`);
  writeFileSync(path, `state_dir: ${join(dir, 'state')}\n${yaml}`);
  chmodSync(path, mode);
  return path;
}

const previousEnvToken = process.env.FLOODWATCH_API_TOKEN;
afterEach(() => {
  if (previousEnvToken === undefined) delete process.env.FLOODWATCH_API_TOKEN;
  else process.env.FLOODWATCH_API_TOKEN = previousEnvToken;
});

describe('the REST API beyond loopback', () => {
  it('is refused without a token, by check-config as by run', async () => {
    delete process.env.FLOODWATCH_API_TOKEN;
    const reason = /api\.listen: is 0\.0\.0\.0:7780, but no API token is configured.*set api\.tokens \(or FLOODWATCH_API_TOKEN\), or listen on 127\.0\.0\.1/;
    expect(problemsOf('api:\n  listen: 0.0.0.0:7780\n')).toEqual([expect.stringMatching(reason)]);
    const path = configFile('api:\n  listen: 0.0.0.0:7780\n');
    const { code, stdout, stderr } = await runCommand(checkConfigCommand, ['--config', path]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(reason);
  });

  it('is accepted with a token in the file or in FLOODWATCH_API_TOKEN', () => {
    delete process.env.FLOODWATCH_API_TOKEN;
    expect(parseConfig(`api:\n  listen: "[::]:7780"\n  tokens: [${TOKEN}]\n`, 'test.yaml').api.listen).toBe('[::]:7780');
    process.env.FLOODWATCH_API_TOKEN = TOKEN;
    expect(parseConfig('api:\n  listen: "[::]:7780"\n', 'test.yaml').api.tokens).toEqual([]);
  });

  it('refuses a FLOODWATCH_API_TOKEN too short to be safe', () => {
    process.env.FLOODWATCH_API_TOKEN = 'short';
    expect(problemsOf('log_level: info\n')).toEqual([
      'test.yaml: FLOODWATCH_API_TOKEN is 5 characters long; use at least 16 (e.g. the output of openssl rand -hex 32)',
    ]);
  });
});

describe('a short token', () => {
  it('is reported as too short, without showing it', () => {
    const [problem] = problemsOf('api:\n  tokens: [x]\n');
    expect(problem).toBe('test.yaml: api.tokens[0]: is 1 character long: it must have 16 characters or more, e.g. the output of openssl rand -hex 32');
    expect(problemsOf('api:\n  tokens: [secret-15-chars]\n')).toEqual([
      'test.yaml: api.tokens[0]: is 15 characters long: it must have 16 characters or more, e.g. the output of openssl rand -hex 32',
    ]);
  });
});

describe('an SMTP password', () => {
  const email = (smtp: string) =>
    `actions:\n  email:\n    enabled: true\n    smtp: { host: mail.example.net, port: 25, user: floodwatch, password: pw, ${smtp} }\n`;

  it('with neither TLS nor STARTTLS is refused, saying how to allow it', () => {
    expect(problemsOf(email('secure: false, starttls: false'))).toEqual([
      expect.stringMatching(
        /^test\.yaml: actions\.email\.smtp: the password would cross the network in clear .*set starttls: true .*allow_plaintext_auth: true$/,
      ),
    ]);
  });

  it('is accepted with STARTTLS, TLS, or allow_plaintext_auth: true', () => {
    for (const smtp of ['secure: false, starttls: true', 'secure: true, starttls: false', 'secure: false, starttls: false, allow_plaintext_auth: true']) {
      expect(parseConfig(email(smtp), 'test.yaml').actions.email.enabled).toBe(true);
    }
  });
});

describe('a config file holding secrets', () => {
  it('readable by group or others gets a warning naming it and chmod 600', async () => {
    const path = configFile(`api:\n  tokens: [${TOKEN}]\n`, 0o644);
    const { code, stderr } = await runCommand(checkConfigCommand, ['--config', path]);
    expect(code).toBe(0);
    expect(stderr).toContain(
      `${path}: warning: ${path} holds secrets (api.tokens) but its group and other users may read it (mode 644): run chmod 600 ${path}`,
    );
    expect(stderr).not.toContain(TOKEN);
  });

  it('names the SMTP password too, and says nothing once the file is private', async () => {
    const yaml = `actions:\n  email:\n    enabled: true\n    smtp: { host: mail.example.net, port: 587, user: floodwatch, password: pw }\n`;
    const shared = configFile(yaml, 0o640);
    expect((await runCommand(checkConfigCommand, ['--config', shared])).stderr).toContain(
      'holds secrets (actions.email.smtp.password) but its group and other users may read it (mode 640)',
    );
    const private_ = configFile(`${yaml}api:\n  tokens: [${TOKEN}]\n`, 0o600);
    expect((await runCommand(checkConfigCommand, ['--config', private_])).stderr).not.toContain('holds secrets');
  });
});

describe('flow exporters', () => {
  const warning =
    /warning: bans are on and sources\.flow\.allowed_exporters is empty, so any host that can send UDP to 0\.0\.0\.0:2055 is taken as an exporter.*list your exporters in sources\.flow\.allowed_exporters/;

  it('unrestricted, with bans on, get a warning', async () => {
    const path = configFile('sources:\n  flow:\n    listen: ["0.0.0.0:2055", "127.0.0.1:6343"]\n');
    const { code, stderr } = await runCommand(checkConfigCommand, ['--config', path]);
    expect(code).toBe(0);
    expect(stderr).toMatch(warning);
  });

  it('restricted, heard on loopback only, or with bans off, get none', async () => {
    const quiet = [
      'sources:\n  flow:\n    listen: ["0.0.0.0:2055"]\n    allowed_exporters: [192.0.2.1/32]\n',
      'sources:\n  flow:\n    listen: ["127.0.0.1:2055", "[::1]:2055"]\n',
      'sources:\n  flow:\n    listen: ["0.0.0.0:2055"]\nban:\n  enabled: false\n',
    ];
    for (const yaml of quiet) expect((await runCommand(checkConfigCommand, ['--config', configFile(yaml)])).stderr).toBe('');
    const hostgroupBans =
      'sources:\n  flow:\n    listen: ["0.0.0.0:2055"]\nban:\n  enabled: false\nhostgroups:\n  - { name: web, prefixes: [192.0.2.0/24], ban: true }\n';
    expect((await runCommand(checkConfigCommand, ['--config', configFile(hostgroupBans)])).stderr).toMatch(warning);
  });
});

/** A directory floodwatch cannot write: a read-only mount as root (EROFS), else one without write permission (EACCES). */
function readOnlyDir(): { path: string; code: string; release(): void } {
  const path = join(dir, `read-only-${++fileCount}`);
  mkdirSync(path);
  if (process.getuid?.() === 0) {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', path]);
    return { path, code: 'EROFS', release: () => execFileSync('umount', [path]) };
  }
  chmodSync(path, 0o555);
  return { path, code: 'EACCES', release: () => chmodSync(path, 0o755) };
}

describe('a state directory floodwatch cannot write', () => {
  it('is named with the reason and what to do, not as missing', async () => {
    const readOnly = readOnlyDir();
    try {
      const stateDir = join(readOnly.path, 'state');
      const [problem] = stateDirProblems(stateDir);
      expect(problem!.where).toBe('state_dir');
      expect(problem!.reason).toContain(`${readOnly.path} (where ${stateDir} would be created)`);
      expect(problem!.reason).toContain(readOnly.code);
      expect(problem!.reason).toMatch(/set state_dir to a writable directory/);
      expect(problem!.reason).not.toContain('ENOENT');
      const path = configFile('');
      writeFileSync(path, `state_dir: ${readOnly.path}\n`);
      const { code, stderr } = await runCommand(checkConfigCommand, ['--config', path]);
      expect(code).toBe(1);
      expect(stderr).toContain(`${path}: state_dir: ${readOnly.path} is `);
      expect(stderr).toContain(readOnly.code);
    } finally {
      readOnly.release();
    }
  });

  it('is no problem while missing under a writable parent', () => {
    expect(stateDirProblems(join(dir, 'not', 'yet', 'there'))).toEqual([]);
  });
});

describe('check-config', () => {
  it('describes the API: where, its tokens, its host names and its connection limits', async () => {
    const path = configFile(
      `api:\n  listen: 0.0.0.0:7780\n  tokens: [${TOKEN}]\n  allowed_hosts: [floodwatch.example.net]\n  max_connections: 64\n  idle_timeout_seconds: 5\n`,
    );
    const { code, stdout } = await runCommand(checkConfigCommand, ['--config', path]);
    expect(code).toBe(0);
    expect(stdout).toContain('  api: 0.0.0.0:7780, also as floodwatch.example.net, 1 token, at most 64 connections, idle ones closed after 5 s\n');
    expect(stdout).not.toContain(TOKEN);
  });

  it('refuses a host name with a port or a scheme in api.allowed_hosts', () => {
    expect(problemsOf('api:\n  allowed_hosts: ["floodwatch.example.net:7780", "http://x.example"]\n')).toEqual([
      "test.yaml: api.allowed_hosts[0]: 'floodwatch.example.net:7780' is not a host name (write the name alone, without scheme or port, e.g. floodwatch.example.net)",
      "test.yaml: api.allowed_hosts[1]: 'http://x.example' is not a host name (write the name alone, without scheme or port, e.g. floodwatch.example.net)",
    ]);
  });
});
