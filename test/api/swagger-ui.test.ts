// Swagger UI at /docs, loaded in headless Chromium (Debian's, driven by playwright-core): it
// renders the document and lists every endpoint.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi } from '../../ts/api/server.js';
import { startChromium } from '../support/chromium.js';
import { CONTRACT } from './contract.js';
import { apiConfig, silentLog, startFixture, type ApiFixture } from './fixture.js';

let fixture: ApiFixture;
let server: { close(): Promise<unknown> };
let address: string;
let dir: string;
let browser: BrowserContext;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-swagger-ui-'));
  fixture = await startFixture();
  ({ server, address } = await startApi(apiConfig(), fixture.context, silentLog));
  browser = await startChromium(dir);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await fixture?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Swagger UI at /docs', () => {
  it('loads in Chromium and lists every endpoint', async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // /docs is served with a Content-Security-Policy: whatever it blocks shows on the console.
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
    });
    const response = await page.goto(`http://${address}/docs`);
    expect(response?.status()).toBe(200);
    await page.waitForSelector('.opblock-summary-path:has-text("/api/v1/bans")', { timeout: 20_000 });
    expect(await page.locator('.info .title').innerText()).toMatch(/^floodwatch/);

    const listed = await page.locator('.opblock-summary').evaluateAll((blocks) =>
      blocks.map((block) => {
        const method = block.querySelector('.opblock-summary-method')?.textContent?.toLowerCase();
        const path = block.querySelector('.opblock-summary-path')?.getAttribute('data-path');
        return `${method} ${path}`;
      }),
    );
    const expected = Object.entries(CONTRACT).flatMap(([path, methods]) => methods.map((method) => `${method} ${path}`));
    expect(listed.sort()).toEqual(expected.sort());
    expect(await page.locator('.btn.authorize').count()).toBe(1);

    const screenshot = join(dir, 'swagger-ui.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(statSync(screenshot).size).toBeGreaterThan(10_000);
    expect(pageErrors).toEqual([]);
    expect(blocked).toEqual([]);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  });
});
