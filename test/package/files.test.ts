// `npm pack` of the checkout takes only what package.json's `files` allows: no tests, benchmarks,
// fuzz targets, Rust sources or target directories, CI files, source maps or .node files (the
// engine comes in its platform package).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAIN_PACKAGE_FILES, MAIN_PACKAGE_NEEDS, notAllowed } from './allow-list.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm pack --dry-run of the checkout', () => {
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as [
    { files: { path: string }[] },
  ];
  const files = packed.files.map((f) => f.path);

  it('lists only files of the allow-list', () => {
    expect(notAllowed(files, MAIN_PACKAGE_FILES)).toEqual([]);
  });

  it('lists every file floodwatch needs at run time', () => {
    expect(MAIN_PACKAGE_NEEDS.filter((file) => !files.includes(file))).toEqual([]);
  });
});
