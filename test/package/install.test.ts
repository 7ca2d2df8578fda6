// The npm tarballs as a server without Rust gets them: `node packaging/pack.mjs` (what `npm run
// package` runs once the engine is built) makes the main and the linux-x64-gnu packages; they are
// installed into an empty prefix with cargo and the C compilers off PATH, and the installed
// floodwatch runs. Install time and tarball sizes are printed, not asserted.
import { execFile, execFileSync, type ExecFileException } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformName } from '../../ts/engine/native.js';
import { writePcap, type PacketSpec } from '../support/pcap.js';
import { MAIN_PACKAGE_FILES, MAIN_PACKAGE_NEEDS, notAllowed, platformPackageFiles } from './allow-list.js';
import { compilersOn, pathWithoutCompilers } from './no-compilers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const PLATFORM = platformName();

const dir = mkdtempSync(join(tmpdir(), 'floodwatch-install-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeout = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout, maxBuffer: 64 << 20 }, (error: ExecFileException | null, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function tarList(tarball: string): string[] {
  return execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((entry) => entry.replace(/^package\//, ''));
}

const mainTarball = join(dir, 'out', `floodwatch-${version}.tgz`);
const platformTarball = join(dir, 'out', `floodwatch-${PLATFORM}-${version}.tgz`);
const PATH = pathWithoutCompilers(dir);
// The npm cache of the checkout's install holds the dependencies; the registry is asked only
// for what it lacks.
const installEnv = { ...process.env, PATH };

async function install(prefix: string, tarballs: string[]): Promise<number> {
  const started = performance.now();
  const result = await run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', ...tarballs], installEnv);
  expect(result.stderr).not.toMatch(/npm error/);
  expect(result.code).toBe(0);
  return (performance.now() - started) / 1000;
}

beforeAll(async () => {
  const packed = await run(process.execPath, [join(ROOT, 'packaging', 'pack.mjs'), '--out', join(dir, 'out')], process.env, 180_000);
  if (packed.code !== 0) throw new Error(`packaging/pack.mjs failed:\n${packed.stderr}`);
}, 200_000);

describe('the npm tarballs', () => {
  it('hold only what a user needs', () => {
    const main = tarList(mainTarball);
    expect(notAllowed(main, MAIN_PACKAGE_FILES)).toEqual([]);
    expect(MAIN_PACKAGE_NEEDS.filter((file) => !main.includes(file))).toEqual([]);
    expect(tarList(platformTarball).sort()).toEqual(platformPackageFiles(PLATFORM).sort());
  });

  it('name the platform package in the main package, as napi-rs loads it', () => {
    const manifest = JSON.parse(execFileSync('tar', ['xzOf', mainTarball, 'package/package.json'], { encoding: 'utf8' }));
    expect(manifest.optionalDependencies).toEqual({ [`floodwatch-${PLATFORM}`]: version });
    expect(manifest.scripts).toBeUndefined();
    expect(manifest.devDependencies).toBeUndefined();
  });

  describe('installed into an empty prefix without cargo or a C compiler', () => {
    const prefix = join(dir, 'prefix');
    const floodwatch = join(prefix, 'bin', 'floodwatch');
    let seconds = 0;

    beforeAll(async () => {
      expect(compilersOn(PATH)).toBe('');
      seconds = await install(prefix, [mainTarball, platformTarball]);
      const mib = (file: string) => (Number(execFileSync('stat', ['-c', '%s', file], { encoding: 'utf8' })) / 1048576).toFixed(2);
      console.log(
        `install from the tarballs: ${seconds.toFixed(1)} s (target < 15 s); ` +
          `floodwatch-${version}.tgz ${mib(mainTarball)} MiB + floodwatch-${PLATFORM}-${version}.tgz ${mib(platformTarball)} MiB (target < 10 MB together)`,
      );
    }, 180_000);

    it('prints its version', async () => {
      const result = await run(floodwatch, ['--version'], installEnv);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(version);
    });

    it('checks the example configuration it ships', async () => {
      const example = join(prefix, 'lib', 'node_modules', 'floodwatch', 'config', 'floodwatch.example.yaml');
      const result = await run(floodwatch, ['check-config', '--config', example], installEnv);
      expect(result.stderr).not.toMatch(/native engine/);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('configuration is valid');
    });

    it('replays a capture with its native engine and finds the flood', async () => {
      const capture = join(dir, 'flood.pcap');
      const packets: PacketSpec[] = [];
      // 3 s of a 30 000 pps UDP flood to one host, over the embedded default's 20 000 pps.
      for (let i = 0; i < 90_000; i++) {
        packets.push({
          src: `192.0.2.${1 + (i % 200)}`,
          dst: '198.51.100.7',
          protocol: 'udp',
          srcPort: 123,
          dstPort: 40000,
          ipLength: 468,
          time: 1_700_000_000 + i / 30_000,
        });
      }
      writePcap(capture, packets);
      const result = await run(floodwatch, ['replay', capture], installEnv);
      expect(result.stderr).toMatch(/floodwatch replay: \d+ packets/);
      expect(result.code).toBe(0);
      const attacks = result.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { ip: string });
      expect(attacks.map((attack) => attack.ip)).toContain('198.51.100.7');
    });
  });

  it('without the platform package, say which platform is missing and how to build from source', async () => {
    const prefix = join(dir, 'prefix-main-only');
    await install(prefix, [mainTarball]);
    const capture = join(dir, 'one.pcap');
    writePcap(capture, [{ src: '192.0.2.1', dst: '198.51.100.7', protocol: 'udp', ipLength: 100, time: 1_700_000_000 }]);
    const result = await run(join(prefix, 'bin', 'floodwatch'), ['replay', capture], installEnv);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      `native engine for ${PLATFORM} cannot be loaded (neither native/floodwatch.${PLATFORM}.node nor the package floodwatch-${PLATFORM} is installed)`,
    );
    expect(result.stderr).toContain(`floodwatch-${PLATFORM}`);
    expect(result.stderr).toContain('install Rust with rustup (https://rustup.rs)');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 180_000);
});
