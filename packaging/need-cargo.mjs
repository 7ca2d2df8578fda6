// Run before `napi build`: a checkout without the Rust toolchain gets told how to get it, instead
// of napi's "cargo metadata failed to run" and a stack trace.
import { spawnSync } from 'node:child_process';

const cargo = spawnSync('cargo', ['--version'], { stdio: 'ignore' });
if (cargo.error || cargo.status !== 0) {
  const platform = `${process.platform}-${process.arch}`;
  process.stderr.write(`floodwatch: cannot build the native engine from source: cargo (the Rust toolchain) is not on PATH.
  To build it (any platform, here ${platform}): install Rust with rustup (https://rustup.rs) and a C compiler
  (apt-get install build-essential), open a new shell so that ~/.cargo/bin is on PATH, then run 'npm ci'
  (or 'npm run build:native') again.
  To run floodwatch without building it: install the package with its prebuilt engine instead
  (the tarballs that 'npm run package' makes on a machine with Rust, or npm install -g floodwatch once
  it is published; see the README's Install section).
`);
  process.exit(1);
}
