// A PATH as on a server without Rust or a C compiler: every command of this machine's PATH but
// cargo, rustc, rustup and the C/C++ compilers and linkers.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const COMPILERS = /^(cargo|rustc|rustup|rustdoc|rust-\w+|cc|c\+\+|c89|c99|cpp|gcc|g\+\+|clang|clang\+\+|ld|make)([.-]\d.*)?$|-(gcc|g\+\+|cc|c\+\+|ld)(-\d.*)?$/;

/** Makes DIR/bin holding links to every command but the compilers; returns the PATH to use. */
export function pathWithoutCompilers(dir: string, path = process.env.PATH ?? ''): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const from of path.split(delimiter)) {
    if (!from || !existsSync(from) || !statSync(from).isDirectory()) continue;
    for (const name of readdirSync(from)) {
      if (COMPILERS.test(name) || existsSync(join(bin, name))) continue;
      symlinkSync(join(from, name), join(bin, name));
    }
  }
  return bin;
}

/** The compilers still reachable through PATH (none, for a PATH of pathWithoutCompilers). */
export function compilersOn(path: string): string {
  try {
    return execFileSync('/bin/sh', ['-c', 'command -v cargo rustc cc gcc c++ ld; true'], { env: { PATH: path }, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}
