// The dashboard's built files (npm run build:web writes them to dist/web), read into memory once:
// index.html, and under assets/ the script and style sheet whose names carry a hash of their
// content, so that a browser may keep those forever and asks for index.html each time.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** From ts/api/dashboard (tests) as from dist/api/dashboard (installed): the package's root. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const WEB_DIR = join(PACKAGE_ROOT, 'dist', 'web');

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface Asset {
  body: Buffer;
  type: string;
}

export interface DashboardAssets {
  index: Buffer;
  /** By file name under assets/. */
  files: Map<string, Asset>;
}

/** The built dashboard, or null when it has not been built. */
export function loadAssets(dir = WEB_DIR): DashboardAssets | null {
  const indexPath = join(dir, 'index.html');
  if (!existsSync(indexPath)) return null;
  const files = new Map<string, Asset>();
  const assetsDir = join(dir, 'assets');
  for (const name of existsSync(assetsDir) ? readdirSync(assetsDir) : []) {
    const type = CONTENT_TYPES[extname(name)];
    if (type) files.set(name, { body: readFileSync(join(assetsDir, name)), type });
  }
  return { index: readFileSync(indexPath), files };
}
