// The gateway's proof-checking page (issue 14 item 4): GET /verify runs the light client, bundled by
// `npm run build` (dist/light-client/browser.js), in headless Chromium (Debian's `chromium`,
// puppeteer-core). The gateway here fronts a stand-in client that hands out proofs made with real
// Ed25519 signatures (src/light-client/fixture.ts): the page checks an honest proof (VALID, with the
// value), a tampered one — what a lying gateway would hand out — (INVALID, naming why), and the
// honest proof against a trust anchor with other keys (INVALID); the fingerprint it shows is the one
// `byz proof trust` prints. Skips, saying why, without Chromium or the bundle.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { startGateway } from '../../src/gateway/gateway.ts';
import type { KvClient } from '../../src/client/index.ts';
import { ed25519Suite } from '../../src/crypto/index.ts';
import { makeFixture } from '../../src/light-client/fixture.ts';
import { trustFingerprint } from '../../src/cli/proof.ts';

const CHROMIUM = process.env['BYZ_CHROMIUM'] ?? '/usr/bin/chromium';
const BUNDLE = join(import.meta.dirname, '..', '..', 'dist', 'light-client', 'browser.js');
const skip = !existsSync(CHROMIUM)
  ? `no Chromium at ${CHROMIUM}: install Debian's chromium (scripts/system-deps.sh does, as root) or set BYZ_CHROMIUM to a Chromium binary`
  : !existsSync(BUNDLE)
    ? `no light-client bundle at ${BUNDLE}: run npm run build (npm ci does)`
    : false;

const HEALTH = { n: 4, f: 1, connected: [0, 1, 2, 3], quorumReachable: true, commitQuorumReachable: true, closed: false, view: 0, pending: 0, breakers: [] };

test('the gateway\'s /verify page checks proofs in the browser: honest VALID, tampered INVALID, other keys INVALID', { skip, timeout: 180_000 }, async () => {
  const fx = makeFixture(ed25519Suite, 4, { colour: 'blue' });
  const honest = fx.readProof('colour');
  const lie = JSON.parse(JSON.stringify(honest).replace(Buffer.from('blue').toString('hex'), Buffer.from('gold').toString('hex'))) as unknown;
  const client = {
    getWithProof: (key: string) => Promise.resolve({ proof: key === 'colour' ? honest : lie }),
    health: () => HEALTH,
    close: () => Promise.resolve(),
  } as unknown as KvClient;
  const gw = await startGateway({ client, port: 0, trust: fx.trust });
  let browser: Browser | undefined;
  try {
    const puppeteer = (await import('puppeteer-core')).default;
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
    const page: Page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${gw.port}/verify`);
    // Page code as strings: this project compiles without the DOM library.
    const text = async (id: string): Promise<string> => String(await page.evaluate(`document.getElementById(${JSON.stringify(id)}).textContent`));
    const setValue = (id: string, v: string): Promise<unknown> => page.evaluate(`document.getElementById(${JSON.stringify(id)}).value = ${JSON.stringify(v)}`);
    await page.waitForFunction(`document.getElementById('out').textContent === 'Enter a key.'`, { timeout: 60_000 });
    const fp = await text('fp');
    assert.equal(fp, trustFingerprint(fx.trust).sha256, 'the page shows the fingerprint byz proof trust prints');
    const check = async (key: string): Promise<string> => {
      await page.evaluate(`document.getElementById('out').textContent = ''`);
      await setValue('key', key);
      await page.click('#check');
      await page.waitForFunction(`document.getElementById('out').textContent !== ''`, { timeout: 30_000 });
      return text('out');
    };
    assert.match(await check('colour'), /^VALID: colour = blue \(certified at seq 64 by replicas 0, 1, 2\)$/);
    assert.match(await check('tampered'), /^INVALID: tampered: the read proof for "colour" is invalid/);
    const other = makeFixture(ed25519Suite, 4, { colour: 'blue' }, 'another-cluster');
    await setValue('trust', JSON.stringify(other.trust));
    assert.match(await check('colour'), /^INVALID: /, 'a proof checked against other keys');
    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    await gw.close();
  }
});
