// Headless Chromium (Debian's, driven by playwright-core) for the dashboard tests, and the place
// their screenshots go: test-results/dashboard/ (gitignored), kept after the run as artefacts.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { startChromium } from '../support/chromium.js';

export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/dashboard/', import.meta.url));

/** A browser with its own profile in `dir`, at a 1366x768 laptop's size. */
export function startBrowser(dir: string, colorScheme: 'dark' | 'light' = 'dark'): Promise<BrowserContext> {
  return startChromium(dir, { viewport: { width: 1366, height: 768 }, colorScheme });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** A figure as the page shows it ("3.02 kpps", "9.2 Mbit/s", "120 flows/s") as a number. */
export function readFigure(text: string): number {
  const match = /^(-?[\d.]+)\s*([kMGTP]?)/.exec(text.trim());
  if (!match) throw new Error(`not a figure: '${text}'`);
  const scale = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 }[match[2]!]!;
  return Number(match[1]) * scale;
}
