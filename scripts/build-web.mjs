// `npm run build:web`: bundles the dashboard (web/) with esbuild into self-contained static files,
// uPlot and the style sheets included, no CDN:
//
//   node scripts/build-web.mjs [--out DIR]   (default dist/web: index.html and assets/NAME-HASH.js|css)
//
// The asset names carry a hash of their content, so that the API may let browsers keep them.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = resolve(values.out ?? join(ROOT, 'dist', 'web'));

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
const result = await build({
  entryPoints: { app: join(ROOT, 'web', 'main.ts') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox115', 'safari16'],
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
const script = outputs.find((name) => name.endsWith('.js'));
const style = outputs.find((name) => name.endsWith('.css'));
if (!script || !style) throw new Error(`esbuild wrote ${outputs.join(', ')}: expected one .js and one .css`);
const page = readFileSync(join(ROOT, 'web', 'index.html'), 'utf8')
  .replace('{{script}}', `/assets/${script}`)
  .replace('{{style}}', `/assets/${style}`);
writeFileSync(join(out, 'index.html'), page);
process.stdout.write(`dashboard built in ${out}: index.html, assets/${script}, assets/${style}\n`);
