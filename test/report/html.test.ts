/**
 * The HTML report in a real browser: Debian's chromium (installed by the test when missing, see system.ts),
 * driven by playwright-core. Every page is loaded from a file: URL at desktop and phone widths; the test asserts
 * that the page makes no request, runs nothing, does not overflow horizontally and shows every finding and
 * checklist row, and keeps full-page screenshots in a temp folder (the path is printed) to look at.
 */
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/engine/report.js';
import { LIVE_CHECKS } from '../../src/live/checks.js';
import { buildLiveReport } from '../../src/live/report.js';
import { formatHtml } from '../../src/report/html.js';
import { runCli } from '../support/cli.js';
import { HOSTILE_NAMES, inputFor, makeHostile, PROJECTS, SECRETS } from './helpers.js';
import { CHROMIUM, ensureReportPackages } from './system.js';

const tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'statelint-html-')));
const shots = path.join(tmp, 'screenshots');
mkdirSync(shots);
let browser: Browser;
const timings: string[] = [];

beforeAll(async () => {
  let t = Date.now();
  ensureReportPackages();
  timings.push(`install check ${Date.now() - t} ms`);
  t = Date.now();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  timings.push(`launch ${Date.now() - t} ms`);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  // Kept on purpose (the temp folder) so a person can look at them.
  console.log(`HTML report screenshots: ${shots}\n${timings.join('\n')}`);
});

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 375, height: 740 },
];

interface PageFacts {
  overflow: string[];
  articles: { fingerprint: string | null; text: string; visible: boolean }[];
  checks: { status: string | null; text: string }[];
  active: number;
  text: string;
}

async function inspect(name: string, html: string, report: Report, fullPage = true): Promise<void> {
  const file = path.join(tmp, `${name}.html`);
  writeFileSync(file, html);
  const url = pathToFileURL(file).href;
  for (const vp of VIEWPORTS) {
    const t = Date.now();
    const context = await browser.newContext({ viewport: { width: vp.width, height: vp.height }, javaScriptEnabled: true });
    const page = await context.newPage();
    const requests: string[] = [];
    const dialogs: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(url, { waitUntil: 'load' });
    const facts: PageFacts = await page.evaluate(() => {
      const vw = document.documentElement.clientWidth;
      const overflow: string[] = [];
      if (document.documentElement.scrollWidth > vw) overflow.push(`document scrollWidth ${document.documentElement.scrollWidth} > ${vw}`);
      // Elements inside a scroll box (code excerpts, tables) scroll there: the page itself does not move.
      const boxes = Array.from(document.body.querySelectorAll('*')).filter((el) => getComputedStyle(el).overflowX !== 'visible');
      const scrolls = (el: Element) => boxes.some((b) => b !== el && b.contains(el));
      for (const el of Array.from(document.body.querySelectorAll('*'))) {
        if (scrolls(el)) continue;
        const r = el.getBoundingClientRect();
        if (r.width && (r.right > vw + 0.5 || r.left < -0.5)) overflow.push(`${el.tagName.toLowerCase()}.${(el as HTMLElement).className} ${Math.round(r.left)}..${Math.round(r.right)} > ${vw}`);
      }
      const visible = (el: Element) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
      };
      return {
        overflow,
        articles: Array.from(document.querySelectorAll('article.finding')).map((a) => ({ fingerprint: a.getAttribute('data-fingerprint'), text: (a as HTMLElement).innerText, visible: visible(a) })),
        checks: Array.from(document.querySelectorAll('.check')).map((c) => ({ status: c.getAttribute('data-status'), text: (c as HTMLElement).innerText })),
        active: document.querySelectorAll('script, img, iframe, object, embed, link, [onerror], [onload]').length,
        text: document.body.innerText,
      };
    });
    await page.screenshot({ path: path.join(shots, `${name}-${vp.name}-top.png`) });
    // A full-page screenshot of a long page takes ~9 s on 2 CPUs: only where the whole page is new.
    if (fullPage) await page.screenshot({ path: path.join(shots, `${name}-${vp.name}.png`), fullPage: true });
    for (const [i, box] of (await page.locator('.fix').all()).entries()) await box.screenshot({ path: path.join(shots, `${name}-${vp.name}-fix${i + 1}.png`) });
    await context.close();
    timings.push(`${name} ${vp.name}: ${Date.now() - t} ms`);

    const where = `${name} at ${vp.name} width`;
    expect(requests, where).toEqual([url]);
    expect(dialogs, where).toEqual([]);
    expect(facts.active, where).toBe(0);
    expect(facts.overflow, where).toEqual([]);
    const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
    expect(facts.articles.map((a) => a.fingerprint), where).toEqual(report.findings.map((f) => f.fingerprint));
    report.findings.forEach((f, i) => {
      expect(facts.articles[i].visible, where).toBe(true);
      expect(norm(facts.articles[i].text), where).toContain(norm(f.message));
      expect(facts.articles[i].text, where).toContain(f.ruleId);
    });
    expect(facts.checks.map((c) => c.status), where).toEqual(report.checklist.map((c) => c.status));
    report.checklist.forEach((c, i) => {
      expect(norm(facts.checks[i].text), where).toContain(norm(c.value));
      expect(facts.checks[i].text, where).toContain(c.status);
    });
  }
}

const audit = (dir: string) => {
  const html = runCli([dir, '--format', 'html', '--fail-on', 'never']);
  expect(html.code).toBe(0);
  const report = JSON.parse(runCli([dir, '--format', 'json', '--fail-on', 'never']).stdout) as Report;
  return { html: html.stdout, report };
};

describe('html report in chromium', () => {
  it('the overflow check sees a page that overflows (so its silence means something)', async () => {
    const report = JSON.parse(runCli([path.join(PROJECTS, 'stateless'), '--format', 'json']).stdout) as Report;
    const html = formatHtml(inputFor(report, [], tmp)).replace('<main>', '<main><div style="width:1400px">wide</div>');
    const error = (await inspect('negative-control', html, report, false).then(() => null, (e: unknown) => e)) as { message: string; actual: unknown } | null;
    expect(error?.message).toMatch(/^negative-control at desktop width/);
    expect(String(error?.actual)).toMatch(/document scrollWidth 1[45]\d\d > 1280/);
  });

  it('demo app: every finding with its excerpt, the checklist with where each value came from', async () => {
    const { html, report } = audit(path.join(PROJECTS, 'demo-app'));
    expect(html).toContain('from .env.example:25');
    expect(html).toContain('<mark>SESSION_DRIVER=file</mark>');
    await inspect('demo-app', html, report);
  });

  it('stateless app: all rows pass, no findings', async () => {
    const { html, report } = audit(path.join(PROJECTS, 'stateless'));
    expect(report.checklist.every((c) => c.status === 'pass')).toBe(true);
    await inspect('stateless', html, report);
  });

  it('a hostile app: file names and code are text, never markup; secrets stay out; unknown rows and skipped files show', async () => {
    const { html, report } = audit(makeHostile(tmp));
    for (const s of SECRETS) expect(html).not.toContain(s);
    expect(html).not.toMatch(/<img|<script|onerror=alert\(1\)>/);
    expect(html).toContain('Not fully analysed');
    await inspect('hostile', html, report);
    const text = readFileSync(path.join(tmp, 'hostile.html'), 'utf8');
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;.php');
    expect(report.findings.map((f) => path.basename(f.location.file)).sort()).toEqual([...HOSTILE_NAMES].sort());
  });

  it('fixes and live results render (the sample apps have neither, so they are added to a real report)', async () => {
    const dir = path.join(PROJECTS, 'demo-app');
    const { report } = audit(dir);
    const target = report.findings.find((f) => f.ruleId === 'laravel/session-store-local')!;
    target.fix = { title: 'Set SESSION_DRIVER=redis', applicability: 'unsafe', edits: [{ file: target.location.file, range: [0, 19], text: 'SESSION_DRIVER=redis' }] };
    const rules = JSON.parse(runCli(['rules', '--format', 'json']).stdout).rules;
    const html = formatHtml(inputFor(report, rules, dir));
    expect(html).toContain('Fix (unsafe):</strong> Set SESSION_DRIVER=redis');
    await inspect('demo-app-fix', html, report, false);

    const live = buildLiveReport({
      version: '0.1.0',
      issues: [
        { id: 'live/session-lost-on-switch', target: 'http://10.0.0.2:8080', message: 'The session made on http://10.0.0.1:8080 is not known on http://10.0.0.2:8080 (a new session cookie was issued).' },
        { id: 'live/store-single-point', target: 'redis://10.0.0.5:6379', message: 'redis://10.0.0.5:6379 is a master with no replica.' },
      ],
      project: { live: { nodes: ['http://10.0.0.1:8080', 'http://10.0.0.2:8080'], store: { target: 'redis://10.0.0.5:6379', kind: 'standalone', topology: 'master, connected_slaves:0' }, switch: [{ from: 'http://10.0.0.1:8080', to: 'http://10.0.0.2:8080', sameSession: false }] } },
      ecosystems: ['laravel'],
      targets: 3,
      durationMs: 120,
    });
    const liveHtml = formatHtml(inputFor(live, LIVE_CHECKS, dir));
    expect(liveHtml).toContain('<h2>Live results</h2>');
    await inspect('live', liveHtml, live);
  });
});
