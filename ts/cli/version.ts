// What `floodwatch --version` prints: the package's version and the native engine's build.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'));
  return pkg.version as string;
}

/** `floodwatch 0.1.0` and a line on the engine: its Rust version, features and AF_XDP support. */
export function versionText(): string {
  return `floodwatch ${packageVersion()}\nengine: ${engineBuild()}\nnode: ${process.version}\n`;
}

function engineBuild(): string {
  let native: { buildInfo?: () => string };
  try {
    native = createRequire(import.meta.url)('../../native/index.cjs');
  } catch (error) {
    return `not built (${(error as Error).message.split('\n')[0]}): run 'npm run build:native'`;
  }
  return native.buildInfo?.() ?? 'built by an older floodwatch that does not describe its build';
}
