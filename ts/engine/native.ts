// Loads the napi-rs engine: native/floodwatch.PLATFORM.node that `npm run build:native` builds in a
// checkout, or else the prebuilt floodwatch-PLATFORM package installed beside floodwatch.
import { createRequire } from 'node:module';

type NativeModule = typeof import('../../native/index.cjs');

const require = createRequire(import.meta.url);

export function loadNative(): NativeModule {
  try {
    return require('../../native/index.cjs') as NativeModule;
  } catch (err) {
    throw new Error(nativeLoadFailure(err as Error), { cause: err });
  }
}

/** The napi-rs name of this platform (linux-x64-gnu), as its package and .node file are named. */
export function platformName(): string {
  const { platform, arch } = process;
  if (platform === 'linux') {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    return `${platform}-${arch}-${header?.glibcVersionRuntime ? 'gnu' : 'musl'}`;
  }
  return platform === 'win32' ? `${platform}-${arch}-msvc` : `${platform}-${arch}`;
}

function nativeLoadFailure(err: Error): string {
  const platform = platformName();
  const { version } = require('../../package.json') as { version: string };
  // The loader's own message blames npm; what counts is why each candidate failed to load.
  const causes: Error[] = [];
  for (let e: unknown = err.cause; e instanceof Error; e = e.cause) causes.push(e);
  // The loader passes on each failure's message only, not its code.
  const broken = causes.filter((e) => !e.message.startsWith('Cannot find module '));
  const why =
    causes.length === 0
      ? (err.message.split('\n')[0] ?? '')
      : broken.length > 0
        ? `it failed to load: ${broken.map((e) => e.message.split('\n')[0]).join('; ')}`
        : `neither native/floodwatch.${platform}.node nor the package floodwatch-${platform} is installed`;
  return (
    `floodwatch's native engine for ${platform} cannot be loaded (${why}). ` +
    `Install the prebuilt engine beside floodwatch: npm install -g floodwatch-${platform}@${version} ` +
    `(or the tarball floodwatch-${platform}-${version}.tgz that 'npm run package' makes). ` +
    `Where no prebuilt engine exists for ${platform}, build it from source in a checkout of floodwatch: ` +
    `install Rust with rustup (https://rustup.rs) and a C compiler, then run 'npm ci' (it runs 'npm run build:native').`
  );
}
