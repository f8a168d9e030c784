/**
 * A real headless chromium (Debian's package, driven by puppeteer-core) for tests of pages: a fresh profile
 * per test, closed at its end; `chromiumMissing()` is the skip reason where the package is absent.
 */
import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';
import { tempDir, type Teardown } from './project.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Why a test of pages cannot run here, or false. */
export function chromiumMissing(): string | false {
  return existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (Debian package chromium)`;
}

/** A headless chromium with a profile of its own, closed when `t` ends. */
export async function launchChromium(t: Teardown): Promise<Browser> {
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: await tempDir(t, 'chromium-profile-'),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  t.teardown(() => browser.close());
  return browser;
}
