// A checkout without the Rust toolchain: building the engine (what `npm ci` does through its
// prepare script) says how to install Rust, instead of napi's "cargo metadata failed" and a trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compilersOn, pathWithoutCompilers } from './no-compilers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'floodwatch-no-cargo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run build:native without cargo', () => {
  it('fails saying to install Rust with rustup, or to use the prebuilt package', () => {
    const PATH = pathWithoutCompilers(dir);
    expect(compilersOn(PATH)).toBe('');
    const result = spawnSync('npm', ['run', 'build:native'], { cwd: ROOT, env: { ...process.env, PATH }, encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('cargo (the Rust toolchain) is not on PATH');
    expect(result.stderr).toContain('install Rust with rustup (https://rustup.rs)');
    expect(result.stderr).toContain("the tarballs that 'npm run package' makes");
    expect(result.stderr).not.toContain('cargo metadata');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
