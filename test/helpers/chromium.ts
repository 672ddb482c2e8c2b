/**
 * Headless Chromium for the browser tests: Debian's `chromium` driven by playwright-core, with the
 * flags that work on these machines (no sandbox as root, no GPU, no background networking, which
 * the closed network would refuse) and a fresh profile each time. Fails, never skips, when the
 * browser is missing.
 */
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Test artifacts (screenshots) for people to look at; gitignored. */
export const OUT_DIR = resolve(import.meta.dirname, '../../.vitest-out');

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and failed requests. */
  errors: string[];
  /** Every URL the page asked for. */
  requests: string[];
  close(): Promise<void>;
}

async function requireChromium(): Promise<void> {
  try {
    await access(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. Install it with scripts/install-deps.sh --test ` +
        '(Debian package chromium), or point CHROMIUM_PATH at a Chromium binary.',
    );
  }
}

/** `extraArgs`: more Chromium flags, e.g. a fake microphone for the browser transport test. */
export async function openBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  await requireChromium();
  const profile = await mkdtemp(join(tmpdir(), 'voicechart-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => errors.push(`request failed: ${req.url()}`));
  page.on('request', (req) => requests.push(req.url()));
  return {
    context,
    page,
    errors,
    requests,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
