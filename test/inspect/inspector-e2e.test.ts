import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type InspectorServer, startInspectorServer } from '../../src/inspect/server.ts';
import { OUT_DIR, openBrowser } from '../helpers/chromium.ts';
import {
  INSPECT_SCRIPT,
  recordInspectLog,
  startInspectedConversation,
} from '../helpers/inspect-fixture.ts';

/** Ids (data-state-id) of the states the page shows active. */
function activeStates(page: Page): Promise<string[]> {
  return page.$$eval('#chart [data-state-id].active', (els) =>
    els.map((e) => e.getAttribute('data-state-id') ?? ''),
  );
}

/** Waits until the page has rendered every event the relay has received so far. */
async function catchUp(page: Page, server: InspectorServer): Promise<void> {
  for (;;) {
    const n = server.received;
    // The page stamps <body data-received> with the relayed events it has rendered.
    await page.waitForFunction(`Number(document.body.dataset.received) >= ${n}`, undefined, {
      timeout: 5000,
    });
    // Events still in flight from the session reach the relay on the next turn of the loop.
    await new Promise((r) => setTimeout(r, 1));
    if (server.received === n) return;
  }
}

/** Only the server's own origin (and data: URLs) may be loaded. */
function foreignRequests(requests: string[], server: InspectorServer): string[] {
  const origin = new URL(server.url).origin;
  return requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'));
}

describe('inspector page in headless Chromium', () => {
  it('follows a live session: the active state changes and the turn shows in the waterfall', {
    timeout: 20_000,
  }, async () => {
    const server = await startInspectorServer({ port: 0 });
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(server.url, { waitUntil: 'load' });
      await page.waitForSelector('#chart [data-state-id="session.agent.IDLE"]');
      await page.waitForSelector('#source[data-state="connected"]');
      expect(await page.$$eval('.wf-turn', (rows) => rows.length)).toBe(0);

      const conv = startInspectedConversation({
        inspect: { url: `ws://127.0.0.1:${server.port}/ws`, redact: false },
      });
      const seen = new Set<string>();
      const order: string[] = [];
      for (let t = 0; t < conv.endMs; t += 50) {
        await conv.clock.advance(50);
        await catchUp(page, server);
        for (const id of await activeStates(page)) {
          if (!seen.has(id)) order.push(id);
          seen.add(id);
        }
      }
      await conv.session.close();
      await catchUp(page, server);

      // The agent went through the lifecycle, in order, as the page saw it.
      const lifecycle = ['LISTENING', 'THINKING', 'SPEAKING'].map((s) => `session.agent.${s}`);
      for (const id of lifecycle) expect([...seen], `${id} was never active`).toContain(id);
      const firsts = lifecycle.map((id) => order.indexOf(id));
      expect([...firsts].sort((a, b) => a - b)).toEqual(firsts);
      // The talk-over paused the agent.
      expect([...seen]).toContain('session.agent.PAUSED');

      // The conversation is over: back to IDLE, both turns in the waterfall, the cut one marked.
      expect(await activeStates(page)).toContain('session.agent.IDLE');
      const turns = await page.$$eval('.wf-turn', (rows) =>
        rows.map((r) => r.getAttribute('data-turn')),
      );
      expect(turns).toEqual(['1', '2']);
      expect(await page.$$eval('.wf-turn .wf-eou', (bars) => bars.length)).toBe(2);
      expect(await page.locator('.tl-agent.cut').count()).toBe(1);
      expect(await page.locator('.tl-user').count()).toBe(INSPECT_SCRIPT.length);
      // The list follows the stream and shows what the user said.
      expect(await page.locator('#events .ev').count()).toBeGreaterThan(20);
      expect(await page.textContent('#events')).toContain(INSPECT_SCRIPT[1]!.text);
      expect(await page.getAttribute('#scrub-label', 'data-mode')).toBe('live');

      await mkdir(OUT_DIR, { recursive: true });
      await page.screenshot({ path: join(OUT_DIR, 'inspector-live.png'), fullPage: true });
      expect(browser.errors).toEqual([]);
      expect(foreignRequests(browser.requests, server)).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });

  it('opens a recorded log (served, then from the file picker) and scrubs through it', {
    timeout: 20_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'voicechart-inspector-log-'));
    const logFile = join(dir, 'inspect.jsonl');
    const log = await recordInspectLog();
    await writeFile(logFile, log);
    const server = await startInspectorServer({ port: 0, logFile });
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(server.url, { waitUntil: 'load' });
      await page.waitForSelector('body[data-mode="log"]');
      await page.waitForSelector('.wf-turn');
      expect(await page.textContent('#source')).toContain('inspect.jsonl');

      // The chart: every state of the machine, the five lifecycle states under agent.
      expect(await page.locator('#chart [data-state-id]').count()).toBeGreaterThan(40);
      for (const s of ['IDLE', 'LISTENING', 'THINKING', 'SPEAKING', 'PAUSED']) {
        expect(await page.locator(`[data-state-id="session.agent.${s}"]`).count()).toBe(1);
      }
      // The whole log is shown: the end state, every event up to there, both turns.
      const lines = log.trim().split('\n').length;
      expect(await page.getAttribute('body', 'data-events')).toBe(String(lines));
      expect(await activeStates(page)).toContain('session.agent.IDLE');
      expect(await page.locator('#events .ev').count()).toBeGreaterThan(20);
      expect(await page.locator('.wf-turn').count()).toBe(2);
      expect(await page.locator('.wf-turn .wf-play.cut').count()).toBe(1);
      expect(await page.textContent('.wf-turn[data-turn="1"]')).toContain('voice-to-voice');

      // Scrubber to the start: the initial state, one event listed.
      await page.focus('#scrubber');
      await page.keyboard.press('Home');
      await page.waitForSelector('body[data-pos="0"]');
      const atStart = await activeStates(page);
      expect(atStart).toContain('session.agent.IDLE');
      expect(atStart).not.toContain('session.agent.SPEAKING');
      expect(await page.locator('#events .ev').count()).toBe(1);
      expect(await page.locator('.wf-turn').count()).toBe(0);

      // A click in the middle of the agent's first (cut) speech moves the cursor there.
      await page.keyboard.press('End');
      await page.waitForSelector(`body[data-pos="${lines - 1}"]`);
      await page.click('.tl-agent.cut', { position: { x: 20, y: 5 } });
      await page.waitForSelector('[data-state-id="session.agent.SPEAKING"].active');
      expect(Number(await page.getAttribute('body', 'data-pos'))).toBeLessThan(lines - 1);
      expect(await page.locator('.wf-turn').count()).toBe(1);

      // Filters: by type text and by actor.
      await page.fill('#type-filter', 'vad');
      await page.click('#scrub-end');
      await expect.poll(() => page.locator('#events .ev').count()).toBe(4);
      const types = await page.$$eval('#events .ev .ev-type', (els) =>
        els.map((e) => e.textContent),
      );
      expect(new Set(types)).toEqual(new Set(['vad.speechStarted', 'vad.speechEnded']));
      await page.fill('#type-filter', '');
      await page.selectOption('#actor-filter', 'name:stt');
      const actors = () =>
        page.$$eval('#events .ev .ev-actor', (els) => els.map((e) => e.textContent ?? ''));
      await expect
        .poll(async () => {
          const shown = await actors();
          return shown.length > 0 && shown.every((a) => a.includes('stt'));
        })
        .toBe(true);
      await page.selectOption('#actor-filter', '');

      // Details of an event, then the screenshot of the whole log.
      await page.click('#events .ev.f-speech >> nth=0');
      await page.waitForSelector('#details:not([hidden])');
      expect(await page.textContent('#details-body')).toContain('"type"');
      await mkdir(OUT_DIR, { recursive: true });
      await page.screenshot({ path: join(OUT_DIR, 'inspector-log.png'), fullPage: true });

      // Another log through the file picker: redacted, so no transcript reaches the page; with a
      // line that is not JSON and an event of an unknown type carrying markup.
      const redacted = await recordInspectLog({ redact: true });
      const rootId = JSON.parse(redacted.slice(0, redacted.indexOf('\n'))).sessionId;
      const markup = '<img src=x onerror="document.title=1">';
      const odd = {
        type: '@xstate.event',
        sessionId: rootId,
        event: { type: `<b>odd</b>`, at: 9, text: markup },
      };
      await page.setInputFiles('#file-input', {
        name: 'redacted.jsonl',
        mimeType: 'application/x-ndjson',
        buffer: Buffer.from(`${redacted}not json at all\n${JSON.stringify(odd)}\n`),
      });
      await page.waitForSelector('#source:has-text("redacted.jsonl")');
      expect(await page.textContent('#source')).toContain('1 unreadable line');
      expect(await page.locator('.wf-turn').count()).toBe(2);
      const body = (await page.textContent('body')) ?? '';
      expect(body.includes('[redacted')).toBe(true);
      expect(INSPECT_SCRIPT.filter((u) => body.includes(u.text))).toEqual([]);
      // The odd event is listed, its markup as text.
      expect(await page.locator('#events .ev-type', { hasText: '<b>odd</b>' }).count()).toBe(1);
      expect(body.includes(markup)).toBe(true);
      expect(await page.locator('#events img, #events b').count()).toBe(0);

      expect(browser.errors).toEqual([]);
      expect(foreignRequests(browser.requests, server)).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
