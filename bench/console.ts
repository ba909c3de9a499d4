import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { chromium, type Page } from '@playwright/test';
import { createCore } from '../electron/core/app.js';
import { startControlServer } from '../electron/core/server/control-server.js';
import type { LedgerEventInput } from '../shared/events.js';
import { percentile, quick, writeResult } from './lib/result.js';

/**
 * The console, driven in Debian's Chromium against an in-process core (real ledger, control
 * server, SSE and the production build):
 *  - event_visible_p95_ms: an event handed to the ledger (Ledger.append) → its row painted in a
 *    run's Timeline that follows live, at 1,000 events/s. Floor peer: the same events' arrival
 *    over a bare EventSource in the same page (transport only, no UI).
 *  - open_100k_ms: a run with 100,000 events, clicked from the overview (cold cache) → its first
 *    rows painted; then a programmatic scroll measures dropped frames.
 *  - bundle_gzip_kb: every file of the production build, gzipped (-9).
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist/renderer');
const RATE = 1000;
const FOLLOW_SECONDS = quick ? 4 : 15;
const BIG_RUN = quick ? 20_000 : 100_000;

await build({ configFile: join(root, 'vite.config.ts'), root: join(root, 'renderer'), logLevel: 'warn' });
const bundle = bundleSize(dist);

const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-console-'));
const core = await createCore({
  dataDir,
  mode: 'headless',
  env: { ...process.env, GATEHOUSE_VAULT_KEY: 'file' },
});
const server = await startControlServer(core, { port: 0, staticDir: dist });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});

try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // tsx keeps function names with a __name() helper that page.evaluate'd functions would miss.
  await page.addInitScript('window.__name = (f) => f');
  await page.goto(server.consoleUrl);
  await page.getByRole('heading', { name: 'Overview' }).waitFor();

  // --- open a 100k-event run ---------------------------------------------------------------
  const big = core.ledger.newRunId();
  for (let i = 0; i < BIG_RUN; i++) core.ledger.append(fakeEvent(big, i));
  await core.ledger.flush();
  const open = await timeOpen(page, big);
  const scroll = await scrollFrames(page);

  // --- event → visible at 1,000 events/s -----------------------------------------------------
  const run = core.ledger.newRunId();
  core.ledger.append(fakeEvent(run, 0));
  await core.ledger.flush();
  await page.evaluate((hash) => (location.hash = hash), `#/transcripts/run/${run}/timeline`);
  await page.getByRole('listbox', { name: 'Run events' }).locator('[data-event-id]').first().waitFor();
  await page.evaluate(installObservers);
  const sent = new Map<string, number>();
  const started = Date.now();
  let n = 1;
  while (Date.now() - started < FOLLOW_SECONDS * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * RATE);
    for (; n <= due; n++) sent.set(core.ledger.append(fakeEvent(run, n)), Date.now());
    await new Promise((r) => setTimeout(r, 5));
  }
  await core.ledger.flush();
  await new Promise((r) => setTimeout(r, 1500));
  const seen = await page.evaluate(() => {
    const w = window as unknown as { __bench: { row: Record<string, number>; sse: Record<string, number> } };
    return w.__bench;
  });
  const rowLat: number[] = [];
  const sseLat: number[] = [];
  for (const [id, t0] of sent) {
    if (seen.row[id] !== undefined) rowLat.push(seen.row[id]! - t0);
    if (seen.sse[id] !== undefined) sseLat.push(seen.sse[id]! - t0);
  }
  rowLat.sort((a, b) => a - b);
  sseLat.sort((a, b) => a - b);
  const actualRate = sent.size / FOLLOW_SECONDS;

  writeResult('console', {
    figures: {
      event_visible_p95_ms: percentile(rowLat, 95),
      event_visible_p50_ms: percentile(rowLat, 50),
      event_visible_rows_seen_pct: (100 * rowLat.length) / sent.size,
      floor_sse_p95_ms: percentile(sseLat, 95),
      open_100k_ms: open,
      scroll_dropped_frames_pct: scroll.droppedPct,
      bundle_gzip_kb: bundle.totalKb,
      bundle_initial_gzip_kb: bundle.initialKb,
    },
    peers: [
      { name: 'bare EventSource in the same page', role: 'floor: live transport only, no React, no list' },
    ],
    table: {
      events_sent: sent.size,
      events_per_s: Math.round(actualRate),
      big_run_events: BIG_RUN,
      scroll_frames: scroll.frames,
      scroll_p95_frame_ms: scroll.p95,
    },
    notes: [
      `event_visible: ${sent.size} events at ${Math.round(actualRate)}/s appended to the real ledger (worker-thread group commit) → Ledger.subscribe → LiveBus → SSE → the Timeline of a followed run; a row counts at the first animation frame in which it is inside the list's visible box (rows that scroll past unseen between two frames do not count, and are reported as not seen). Rows seen: ${rowLat.length}/${sent.size}.`,
      `open_100k_ms: a click on a run of ${BIG_RUN} events in the runs list until its first rows are painted (its timeline: long runs open there; the run's own queries are cold).`,
      `scroll: the Timeline scrolled 200 px per frame (~7 rows per frame, 12,000 px/s) for 3 s; a frame over 25 ms counts as dropped (headless Chromium, --disable-gpu, ${'2'} vCPU shared with the core).`,
      `bundle_gzip_kb: every file in dist/renderer gzipped at level 9 (screens are lazy chunks; initial = index.html + entry JS + CSS).`,
    ],
  });
} finally {
  await browser.close();
  await server.close();
  await core.close();
  rmSync(dataDir, { recursive: true, force: true });
}

function fakeEvent(run: string, i: number): LedgerEventInput {
  const kinds = ['request', 'decision', 'input', 'output', 'tool_call', 'response'] as const;
  const kind = kinds[i % kinds.length]!;
  return {
    kind,
    run,
    agent: 'bench-agent',
    service: 'demo',
    operation: kind === 'tool_call' ? 'mcp:files/read_file' : 'llm:demo-helpful',
    ...(kind === 'decision' ? { decision: 'allow' as const, rule: 'demo-llm' } : {}),
    ...(kind === 'response' ? { status: 'ok', latencyMs: 40 + (i % 17) } : {}),
    summary: `bench event ${i} (${kind})`,
  };
}

/** From the runs list (as a person opens a run): click → first row of the run painted. */
async function timeOpen(page: Page, run: string): Promise<number> {
  await page.evaluate(() => (location.hash = '#/transcripts'));
  await page.locator(`[data-run="${run}"] a`).waitFor();
  return page.evaluate(async (target) => {
    const link = document.querySelector<HTMLAnchorElement>(`[data-run="${target}"] a`)!;
    const start = performance.now();
    link.click();
    return new Promise<number>((resolve) => {
      const check = () => {
        const ready = document.querySelector('[data-testid="conversation"] .ev, [data-event-id]');
        if (ready) requestAnimationFrame(() => resolve(performance.now() - start));
        else requestAnimationFrame(check);
      };
      requestAnimationFrame(check);
    });
  }, run);
}

async function scrollFrames(page: Page): Promise<{ frames: number; droppedPct: number; p95: number }> {
  await page.getByRole('tab', { name: 'Timeline' }).click();
  await page.getByRole('listbox', { name: 'Run events' }).locator('[data-event-id]').first().waitFor();
  await page.getByLabel('Follow live').uncheck();
  return page.evaluate(async () => {
    const el = document.querySelector<HTMLElement>('[aria-label="Run events"]')!;
    const gaps: number[] = [];
    let last = performance.now();
    const end = last + 3000;
    await new Promise<void>((resolve) => {
      const step = (t: number) => {
        gaps.push(t - last);
        last = t;
        el.scrollTop += 200;
        if (t < end) requestAnimationFrame(step);
        else resolve();
      };
      requestAnimationFrame(step);
    });
    gaps.shift();
    const sorted = [...gaps].sort((a, b) => a - b);
    return {
      frames: gaps.length,
      droppedPct: (100 * gaps.filter((g) => g > 25).length) / Math.max(1, gaps.length),
      p95: sorted[Math.ceil(0.95 * sorted.length) - 1] ?? 0,
    };
  });
}

/**
 * Runs in the page: every animation frame, notes each row that is inside the list's visible box
 * for the first time (rows rendered only in the overscan, never on screen, do not count), and
 * when the bare EventSource delivered each event.
 */
function installObservers(): void {
  const w = window as unknown as { __bench: { row: Record<string, number>; sse: Record<string, number> } };
  w.__bench = { row: {}, sse: {} };
  const list = document.querySelector<HTMLElement>('[aria-label="Run events"]')!;
  const frame = () => {
    const now = Date.now();
    const box = list.getBoundingClientRect();
    for (const el of list.querySelectorAll<HTMLElement>('[data-event-id]')) {
      const id = el.dataset.eventId!;
      if (w.__bench.row[id] !== undefined) continue;
      const r = el.getBoundingClientRect();
      if (r.bottom > box.top && r.top < box.bottom) w.__bench.row[id] = now;
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  const es = new EventSource('/api/events?topics=ledger.events');
  es.addEventListener('ledger.events', (ev) => {
    const now = Date.now();
    for (const e of JSON.parse((ev as MessageEvent<string>).data) as { id: string }[])
      w.__bench.sse[e.id] ??= now;
  });
}

function bundleSize(dir: string): { totalKb: number; initialKb: number } {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(dir);
  const gz = (p: string) => gzipSync(readFileSync(p), { level: 9 }).length;
  const totalKb = files.reduce((a, f) => a + gz(f), 0) / 1024;
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const initial = [
    join(dir, 'index.html'),
    ...[...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((m) => join(dir, m[1]!)),
  ];
  const initialKb = initial.reduce((a, f) => a + gz(f), 0) / 1024;
  return { totalKb: Math.round(totalKb * 10) / 10, initialKb: Math.round(initialKb * 10) / 10 };
}
