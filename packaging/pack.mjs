// `npm run package`: the npm tarballs a server installs without Rust, napi-rs style: the main
// package (JavaScript, the engine's loader, config example, .proto files) naming one small package
// per platform in optionalDependencies, and that platform package holding the prebuilt .node.
//
//   node packaging/pack.mjs [--out DIR]   (default target/npm-packages; needs the native engine
//                                          built: npm ci or npm run build:native)
//
// Each package is packed from a staging folder, so that the checkout's package.json and dist/
// stay as they are: dist/ is compiled afresh there (no stale files, no source maps), and only the
// published package.json gets the optionalDependencies (as `napi pre-publish` adds them).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = resolve(values.out ?? join(ROOT, 'target', 'npm-packages'));
mkdirSync(out, { recursive: true });

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const stageRoot = mkdtempSync(join(tmpdir(), 'floodwatch-pack-'));
try {
  const platforms = platformPackages();
  if (platforms.length === 0) {
    fail(`no native engine in ${join(ROOT, 'native')} for any package under npm/: build it first with 'npm run build:native' (needs Rust: rustup)`);
  }
  const tarballs = platforms.map(packPlatform);
  tarballs.unshift(packMain(platforms));
  for (const t of tarballs) process.stdout.write(`${t.file}\t${(t.size / 1048576).toFixed(2)} MiB\t${t.entryCount} files\n`);
} finally {
  rmSync(stageRoot, { recursive: true, force: true });
}

/** The npm/<platform> packages whose .node has been built into native/. */
function platformPackages() {
  const found = [];
  for (const dir of readdirSync(join(ROOT, 'npm')).sort()) {
    const manifestPath = join(ROOT, 'npm', dir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (manifest.version !== pkg.version) {
      fail(`${manifestPath} is version ${manifest.version}, package.json ${pkg.version}: run 'npx napi version' to align them`);
    }
    const binary = join(ROOT, 'native', manifest.main);
    if (!existsSync(binary)) {
      process.stderr.write(`skipping ${manifest.name}: ${binary} is not built on this machine\n`);
      continue;
    }
    found.push({ dir, manifest, binary });
  }
  return found;
}

function packPlatform({ dir, manifest, binary }) {
  const stage = join(stageRoot, dir);
  cpSync(join(ROOT, 'npm', dir), stage, { recursive: true, filter: (src) => !src.endsWith('.node') });
  const shipped = join(stage, manifest.main);
  copyFileSync(binary, shipped);
  // The release build keeps line tables for backtraces; an installed engine does not need them
  // (a third of the tarball).
  spawnSync('strip', ['--strip-debug', shipped], { stdio: 'ignore' });
  copyFileSync(join(ROOT, 'LICENSE'), join(stage, 'LICENSE'));
  return npmPack(stage);
}

function packMain(platforms) {
  const stage = join(stageRoot, 'main');
  mkdirSync(stage);
  // What the `files` list of package.json selects, minus dist/ (compiled afresh below).
  const listed = JSON.parse(execFileSync(NPM, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }))[0].files;
  for (const { path } of listed) {
    if (path.startsWith('dist/') || path === 'package.json') continue;
    mkdirSync(dirname(join(stage, path)), { recursive: true });
    copyFileSync(join(ROOT, path), join(stage, path));
  }
  const tsc = spawnSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(ROOT, 'tsconfig.json'),
      '--outDir',
      join(stage, 'dist'),
      '--sourceMap',
      'false',
      '--declaration',
      'false',
    ],
    { stdio: 'inherit' },
  );
  if (tsc.status !== 0) fail('the TypeScript does not compile (tsc above): nothing was packed');
  const web = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-web.mjs'), '--out', join(stage, 'dist', 'web')], { stdio: 'inherit' });
  if (web.status !== 0) fail('the web dashboard does not build (esbuild above): nothing was packed');
  const published = { ...pkg };
  // A user's install runs none of the build scripts and needs none of the development tools.
  delete published.scripts;
  delete published.devDependencies;
  published.optionalDependencies = Object.fromEntries(platforms.map(({ manifest }) => [manifest.name, manifest.version]));
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  return npmPack(stage);
}

function npmPack(stage) {
  const [result] = JSON.parse(execFileSync(NPM, ['pack', '--json', '--pack-destination', out], { cwd: stage, encoding: 'utf8' }));
  const file = join(out, result.filename);
  return { file, size: statSync(file).size, entryCount: result.entryCount };
}

function fail(message) {
  process.stderr.write(`npm run package: ${message}\n`);
  rmSync(stageRoot, { recursive: true, force: true });
  process.exit(1);
}
