/**
 * The HTML report in a real browser: Debian's chromium driven by playwright-core. The lanes and
 * steps drawn must be the witness's harts and events; hovering a step shows its registers; the
 * page loads nothing from the network. Skipped, with the reason printed, when chromium is absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, run } from './helpers.js';
import { loadSpec } from '../../src/spec/load.js';
import { buildWitness } from '../../src/api/witness.js';
import { stepClass } from '../../src/report/html.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const have = existsSync(CHROMIUM);
if (!have) console.log(`test/report/html.test.ts: skipped: no chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`);

describe.skipIf(!have)('HTML report in headless Chromium', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let browser: any;
  const dir = mkdtempSync(join(tmpdir(), 'ftrace-race-html-'));
  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    // A fresh profile each run (playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'ftrace-race-chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('draws one lane per hart and one step per witness event, coloured by site version', async () => {
    const spec = 'specs/b1-stop-machine-preempt-full.yaml';
    const file = join(dir, 'b1.html');
    const r = await run(['check', spec, '--html', file, '--no-timing']);
    expect(r.code).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<(link|img|script)[^>]+(src|href)=/); // self-contained
    // The witness the page should show.
    const loaded = loadSpec(readFileSync(join(ROOT, spec), 'utf8'), spec, { readFile: (p) => readFileSync(p), resolvePath: (p) => join(ROOT, 'specs', p) });
    const json = JSON.parse((await run(['check', spec, '--format', 'json', '--no-timing'])).out.split('\n')[0]);
    const v = json.violations[0];
    const w = buildWitness(loaded.spec!, spec, v.schedule, v.steps);

    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (req: { url(): string }) => requests.push(req.url()));
    await page.goto(pathToFileURL(file).href);
    const svg = page.locator('section.witness svg.swimlane').first();
    expect(await svg.getAttribute('data-harts')).toBe(String(w.spec.harts));
    expect(await page.locator('section.witness').first().locator('g.lane').count()).toBe(w.spec.harts);
    const steps = await page.locator('section.witness').first().locator('g.step').evaluateAll((gs: { getAttribute(n: string): string | null }[]) =>
      gs.map((g) => ({ index: Number(g.getAttribute('data-index')), hart: Number(g.getAttribute('data-hart')), task: g.getAttribute('data-task'), version: g.getAttribute('data-version') })),
    );
    steps.sort((a: { index: number }, b: { index: number }) => a.index - b.index);
    expect(steps).toEqual(w.events.map((ev, i) => ({ index: i + 1, hart: ev.hart, task: ev.task, version: stepClass(ev, w) })));
    // The mixed jump: v0's auipc (old) then v1's jalr (new), and an arrow to the wild target.
    expect(steps.filter((s: { version: string }) => s.version === 'old').length).toBeGreaterThan(0);
    expect(steps.filter((s: { version: string }) => s.version === 'new').length).toBeGreaterThan(0);
    expect(await page.locator('g.jump').first().getAttribute('data-target')).toBe('0xffffffff8000b7c4');
    expect(await page.locator('g.span.stop-machine').count()).toBe(1);
    expect(await page.locator('g.span.preemption').count()).toBe(1);
    if (process.env.UPDATE_SCREENSHOT) {
      await page.setViewportSize({ width: 1000, height: 760 });
      await page.locator('section.witness').first().screenshot({ path: join(ROOT, 'docs', 'witness-b1.png') });
    }
    // Hover the auipc: the tooltip shows the register it wrote.
    const auipc = w.events.findIndex((ev) => ev.disasm?.startsWith('auipc'));
    await page.locator(`section.witness >> g.step[data-index="${auipc + 1}"] rect`).first().hover();
    const tip = page.locator('#tip');
    expect(await tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toContain('t0=0xffffffff8000bf30');
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
    await page.close();
  }, 60_000);

  it('the summary table has one row per spec with its gate', async () => {
    const file = join(dir, 'suite.html');
    await run(['check', 'specs/b1-stop-machine-preempt-full.yaml', 'specs/b2-stop-machine-preempt-none.yaml', 'specs/nosuch.yaml', '--html', file, '--no-timing']);
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href);
    const rows = await page.locator('tr.entry').evaluateAll((rs: { getAttribute(n: string): string | null }[]) => rs.map((r) => [r.getAttribute('data-spec'), r.getAttribute('data-gate')]));
    expect(rows).toEqual([['b1-stop-machine-preempt-full', 'pass'], ['b2-stop-machine-preempt-none', 'pass'], ['nosuch', 'error']]);
    await page.close();
  }, 60_000);
});
