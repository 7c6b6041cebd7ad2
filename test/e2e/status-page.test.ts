// The live status page in a real browser (issue 15 item 3): 4 replica processes and the gateway
// process; headless Chromium (Debian's `chromium`, installed by scripts/system-deps.sh, driven with
// puppeteer-core) opens the gateway's /dashboard and must show 4 replicas up, a view, a commit rate
// above 0 while writes run, and — after kill -9 of a replica — that replica down. The replica's own
// page is checked too, and that neither page requests anything but its own origin. A screenshot of
// each page is saved under test-artifacts/ (gitignored). Skips, saying why, when Chromium is missing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { spawnByz, kill9 } from '../../src/cli/procs.ts';
import { makeProcCluster, waitUntil } from './procs.ts';

const CHROMIUM = process.env['BYZ_CHROMIUM'] ?? '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
/** Generous: the box may be loaded; this bounds how long a wrong page can make the test hang. */
const DEADLINE_MS = 60_000;

const skip = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM}: install Debian's chromium (scripts/system-deps.sh does, as root) or set BYZ_CHROMIUM to a Chromium binary`;

async function launch(): Promise<Browser> {
  const puppeteer = (await import('puppeteer-core')).default;
  // --no-sandbox: the test may run as root (containers), where Chromium's sandbox refuses to start.
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
}

/** Every request a page makes, to check it stays on its origin. */
function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  return urls;
}

// Conditions evaluated in the page (strings: this file is compiled without the DOM types).
const rowsUp = (k: number): string => `document.querySelectorAll('tr[data-up="true"]').length === ${k}`;
const isDown = (id: number): string => `document.querySelector('tr[data-replica="${id}"]')?.getAttribute('data-up') === 'false'`;

const text = async (page: Page, id: string): Promise<string> => String(await page.evaluate(`document.getElementById('${id}').textContent`));

async function screenshot(page: Page, name: `${string}.png`): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
}

test('status page in headless Chromium: 4 replicas up, view, commit rate under writes; a kill -9 shows the replica down', { skip, timeout: 300_000 }, async (t) => {
  let t0 = Date.now();
  const since = (): number => {
    const ms = Date.now() - t0;
    t0 = Date.now();
    return ms;
  };
  const c = makeProcCluster(4);
  const gwPort = c.config.replicas[0]!.port + 250; // inside this test's port block, unused by replicas
  const gwUrl = `http://127.0.0.1:${gwPort}`;
  let gateway: ReturnType<typeof spawnByz> | undefined;
  let browser: Browser | undefined;
  let writing = true;
  let writer: Promise<void> = Promise.resolve();
  try {
    for (let i = 0; i < 4; i++) c.start(i);
    await waitUntil('all replicas connected', async () => (await Promise.all([0, 1, 2, 3].map((i) => c.status(i)))).every((s) => s !== undefined && s.peers.length === 3), DEADLINE_MS);
    gateway = spawnByz(['gateway', '--config', c.configPath, '--port', String(gwPort)], join(c.dir, 'gateway.out'), { BYZ_LOG_LEVEL: 'warn' });
    await waitUntil('gateway ready', async () => (await fetch(`${gwUrl}/readyz`).catch(() => undefined))?.status === 200, DEADLINE_MS);

    browser = await launch();
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 800 });
    const requests = recordRequests(page);
    t.diagnostic(`cluster, gateway and browser up after ${since()} ms`);
    await page.goto(`${gwUrl}/dashboard`);

    await page.waitForFunction(rowsUp(4), { timeout: DEADLINE_MS });
    t.diagnostic(`page shows 4 up after ${since()} ms`);
    assert.equal(await text(page, 'upCount'), '4 / 4');
    assert.match(await text(page, 'view'), /^\d+$/, 'a view is shown');
    assert.match(await text(page, 'primary'), /^[0-3]$/, 'a primary is shown');
    assert.equal(await text(page, 'protocol'), 'pbft · 0');

    // Writes through the gateway until the page has shown a commit rate above 0.
    writer = (async () => {
      for (let i = 0; writing; i++) {
        const res = await fetch(`${gwUrl}/kv/k${i % 50}`, { method: 'PUT', body: JSON.stringify({ value: String(i) }) }).catch(() => undefined);
        await res?.body?.cancel();
      }
    })();
    await page.waitForFunction(`Number(document.getElementById('rate').textContent) > 0`, { timeout: DEADLINE_MS });
    t.diagnostic(`commit rate shown after ${since()} ms`);
    await screenshot(page, 'status-page-gateway.png');

    // kill -9 a backup: the page must show it down (no speed asserted: a generous deadline).
    const primary = Number(await text(page, 'primary'));
    const victim = primary === 3 ? 2 : 3;
    await c.kill9(victim);
    since();
    await page.waitForFunction(isDown(victim), { timeout: DEADLINE_MS });
    t.diagnostic(`replica ${victim} shown down ${since()} ms after the kill`);
    assert.equal(await text(page, 'upCount'), '3 / 4');
    assert.equal(await page.evaluate(`document.querySelectorAll('tr[data-up="true"]').length`), 3);
    await screenshot(page, 'status-page-gateway-replica-down.png');

    // A replica's own page: itself up with details, the killed one down (no connection to it).
    const own = await browser.newPage();
    const ownRequests = recordRequests(own);
    const http0 = `http://127.0.0.1:${c.config.replicas[primary === 0 ? 1 : 0]!.httpPort}`;
    await own.goto(`${http0}/dashboard`);
    await own.waitForFunction(`${isDown(victim)} && ${rowsUp(3)}`, { timeout: DEADLINE_MS });
    assert.match(await text(own, 'view'), /^\d+$/);
    await screenshot(own, 'status-page-replica.png');

    assert.ok(requests.length > 0 && requests.every((u) => u.startsWith(`${gwUrl}/`)), `the gateway page requested only its origin: ${requests.join(', ')}`);
    assert.ok(ownRequests.every((u) => u.startsWith(`${http0}/`)), `the replica page requested only its origin: ${ownRequests.join(', ')}`);
  } finally {
    writing = false;
    await writer;
    await browser?.close();
    await kill9(gateway);
    await c.stopAll();
  }
});
