/**
 * Headless Chromium for the console's browser tests: Debian's `chromium` (installed by provision.ts) driven by
 * playwright-core over CDP. Nothing downloads a browser.
 *
 *   const browser = await launchBrowser();       // undefined when Chromium is missing (outside CI)
 *   const page = await browser.newPage();
 *   await page.screenshot({ path: artifact('console-graph.png') });
 *   await browser.close();
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's binary (`apt-get install chromium`), or `FERRY_CHROMIUM`. */
export const CHROMIUM = process.env.FERRY_CHROMIUM ?? '/usr/bin/chromium';

export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchBrowser(): Promise<Browser | undefined> {
  if (!hasChromium()) {
    if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing (the pretest provision.ts installs Debian's chromium)`);
    return undefined;
  }
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Where screenshots go: `FERRY_ARTIFACTS_DIR`, else a folder in the OS temp dir (never the repo). */
export function artifact(name: string): string {
  const dir = process.env.FERRY_ARTIFACTS_DIR ?? join(tmpdir(), 'ferry-artifacts');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
