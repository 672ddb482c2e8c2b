import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../src/eval/report-html.ts';
import { OUT_DIR, openBrowser } from '../helpers/chromium.ts';
import { evalResultFixture } from '../helpers/eval-result-fixture.ts';

describe('HTML eval report in headless Chromium', () => {
  it('lays out every plot, logs no error and screenshots the page', {
    timeout: 90_000,
  }, async () => {
    const work = await mkdtemp(join(tmpdir(), 'voicechart-report-'));
    const htmlPath = join(work, 'report.html');
    await writeFile(htmlPath, renderReport(evalResultFixture()));
    const browser = await openBrowser();
    try {
      const { page, errors, requests } = browser;
      await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });

      // The failed scenario starts open, the passed ones closed.
      const openStates = await page.$$eval('details.scenario', (ds) =>
        ds.map((d) => d.hasAttribute('open')),
      );
      expect(openStates).toEqual([false, true, false]);

      // The "Expand all" button (inline script) opens every scenario.
      await page.click('button[data-toggle-all="open"]');
      const allOpen = await page.$$eval('details.scenario', (ds) =>
        ds.every((d) => d.hasAttribute('open')),
      );
      expect(allOpen).toBe(true);

      const sizes = await page.$$eval('svg.plot', (svgs) =>
        svgs.map((svg) => {
          const r = svg.getBoundingClientRect();
          return { plot: svg.getAttribute('data-plot'), width: r.width, height: r.height };
        }),
      );
      // 3 histograms + a timeline and a waterfall per scenario.
      expect(sizes).toHaveLength(3 + 2 * 3);
      for (const s of sizes) {
        expect(s.width, `${s.plot} width`).toBeGreaterThan(100);
        expect(s.height, `${s.plot} height`).toBeGreaterThan(20);
      }
      // The bars themselves are drawn (not collapsed to nothing).
      const barWidths = await page.$$eval('rect.tl-user, rect.wf-eou, rect.hist-bar', (rects) =>
        rects.map((r) => r.getBoundingClientRect().width),
      );
      expect(barWidths.length).toBeGreaterThan(0);
      expect(barWidths.every((w) => w > 0)).toBe(true);

      // The markup in a scenario name stayed text.
      expect(await page.$$eval('main script', (s) => s.length)).toBe(0);
      expect(await page.textContent('body')).toContain('<script>alert("x")</script>');

      await mkdir(OUT_DIR, { recursive: true });
      await page.screenshot({ path: join(OUT_DIR, 'eval-report.png'), fullPage: true });

      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    } finally {
      await browser.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});
