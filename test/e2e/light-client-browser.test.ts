// The light client runs unchanged in a browser (issue 14 item 4): src/light-client is bundled for
// the browser platform (esbuild, platform "browser": a Node built-in anywhere in its imports fails
// the build), served with a page by a local HTTP server, and headless Chromium (Debian's
// `chromium`, puppeteer-core, as test/e2e/status-page.test.ts) verifies a proof made with real
// Ed25519 signatures: an honest proof is accepted with its value, a tampered one (what a lying
// gateway would hand out) is rejected with the reason. Skips, saying why, when Chromium is missing.
// The gateway serves such a page itself: test/e2e/verify-page.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'puppeteer-core';
import { ed25519Suite } from '../../src/crypto/index.ts';
import { makeFixture } from '../../src/light-client/fixture.ts';

const CHROMIUM = process.env['BYZ_CHROMIUM'] ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM}: install Debian's chromium (scripts/system-deps.sh does, as root) or set BYZ_CHROMIUM to a Chromium binary`;

const PAGE = `<!doctype html><meta charset="utf-8"><title>proof check</title>
<script type="module">
import { verify } from '/light-client.js';
window.checkProof = (proof, trust) => {
  const v = verify(JSON.parse(proof), JSON.parse(trust));
  if (!v.ok) return 'INVALID: ' + v.reason;
  const p = v.proven;
  return p.kind === 'read' && p.present ? 'VALID: ' + p.key + ' = ' + new TextDecoder().decode(p.value) + ' at ' + v.seq + ' by ' + v.signers.join(',') : 'VALID: ' + p.kind;
};
</script>`;

test('light client in headless Chromium: accepts an honest proof, rejects a tampered one naming why', { skip, timeout: 180_000 }, async () => {
  const bundle = await build({ entryPoints: [join(import.meta.dirname, '..', '..', 'src', 'light-client', 'index.ts')], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
  const js = bundle.outputFiles[0]?.text ?? '';
  assert.ok(js.length > 0);
  const server = createServer((req, res) => {
    if (req.url === '/light-client.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  let browser: Browser | undefined;
  try {
    const puppeteer = (await import('puppeteer-core')).default;
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForFunction('typeof window.checkProof === "function"', { timeout: 60_000 });
    const fx = makeFixture(ed25519Suite, 4, { colour: 'blue', size: 'large' });
    const honest = JSON.stringify(fx.readProof('colour'));
    const lie = honest.replace(Buffer.from('blue').toString('hex'), Buffer.from('gold').toString('hex'));
    assert.notEqual(lie, honest);
    const check = async (proof: string): Promise<string> => String(await page.evaluate(`window.checkProof(${JSON.stringify(proof)}, ${JSON.stringify(JSON.stringify(fx.trust))})`));
    assert.equal(await check(honest), 'VALID: colour = blue at 64 by 0,1,2');
    assert.match(await check(lie), /^INVALID: tampered: the read proof for "colour" is invalid: the proof does not lead to the root/);
    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    server.close();
  }
});
