// The proof-checking page the gateway serves (issue 14 item 4): GET /verify is one HTML page that
// runs the light client (src/light-client, bundled for browsers by `npm run build` into
// dist/light-client/browser.js, an IIFE defining `byzLightClient`, and served at GET
// /verify/light-client.js) in the reader's browser.
// It fetches a read proof from this gateway (GET /kv/<key>?proof=1) and checks it against a trust
// anchor — the cluster id, epoch, protocol and replica keys. The gateway offers its own at GET
// /verify/trust.json, but a proof checked against keys the gateway itself hands out proves nothing
// about the gateway: the page says so, shows the anchor's SHA-256 fingerprint to compare with one
// computed from your own config (`byz proof trust --config cluster.json`), and lets you paste your own.

import { readFileSync } from 'node:fs';
import type { Route } from '../http/serve.ts';
import { sendJson } from '../http/io.ts';
import type { Trust } from '../light-client/verify.ts';

export const VERIFY_PATH = '/verify';
const BUNDLE_PATH = '/verify/light-client.js';
const TRUST_PATH = '/verify/trust.json';

/** Only this origin's script, proofs and trust file; nothing else. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>byzantium: check a proof</title>
<style>body{font:15px system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}textarea{width:100%;height:7rem;font:12px monospace}
#out{white-space:pre-wrap;padding:.6rem;border-radius:4px;background:#eee}.ok{color:#064}.bad{color:#900}code{background:#f4f4f4}</style></head>
<body><h1>Check a read proof in this browser</h1>
<p>The value comes from this gateway, which you do not have to trust: the proof is checked here, by the light client, against the cluster's public keys.
The keys below were served by this gateway too — <b>compare the fingerprint with your own</b> (<code>byz proof trust --config cluster.json</code>) or paste your cluster's trust anchor.</p>
<label>Key <input id="key" size="40"></label> <button id="check" type="button">Fetch and check</button>
<p>Trust anchor (fingerprint <code id="fp">…</code>):</p><textarea id="trust" spellcheck="false"></textarea>
<p id="out">Loading the trust anchor…</p>
<script src="${BUNDLE_PATH}"></script>
</body></html>
`;

/** The browser side of the page: appended to the bundle (an IIFE defining `byzLightClient`), so the page needs no inline script. */
const PAGE_SCRIPT = `
const verify = byzLightClient.verify;
const $ = (id) => document.getElementById(id);
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
async function fingerprint() {
  try { $('fp').textContent = hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(JSON.parse($('trust').value))))); }
  catch { $('fp').textContent = 'not valid JSON'; }
}
async function check() {
  const out = $('out');
  out.className = '';
  let trust;
  try { trust = JSON.parse($('trust').value); } catch (e) { out.textContent = 'The trust anchor is not valid JSON: ' + e.message; out.className = 'bad'; return; }
  const key = $('key').value;
  const res = await fetch('/kv/' + encodeURIComponent(key) + '?proof=1');
  const body = await res.json();
  if (!res.ok) { out.textContent = 'The gateway answered ' + res.status + ': ' + (body.error ?? JSON.stringify(body)); out.className = 'bad'; return; }
  const v = verify(body, trust);
  if (!v.ok) { out.textContent = 'INVALID: ' + v.reason; out.className = 'bad'; return; }
  const p = v.proven;
  const what = p.kind !== 'read' ? p.kind : p.present ? p.key + ' = ' + new TextDecoder().decode(p.value) : p.key + ' is absent';
  out.textContent = 'VALID: ' + what + ' (certified at seq ' + v.seq + ' by replicas ' + v.signers.join(', ') + ')';
  out.className = 'ok';
}
$('check').addEventListener('click', () => { check().catch((e) => { $('out').textContent = 'Error: ' + e.message; $('out').className = 'bad'; }); });
$('trust').addEventListener('input', fingerprint);
fetch('${TRUST_PATH}').then((r) => r.json()).then((t) => { $('trust').value = JSON.stringify(t, null, 1); $('out').textContent = 'Enter a key.'; return fingerprint(); })
  .catch(() => { $('out').textContent = 'This gateway serves no trust anchor: paste your cluster\\'s.'; });
`;

let bundle: string | undefined;

/**
 * The light client bundled for browsers: dist/light-client/browser.js, next to the compiled gateway
 * (an installed package) or in the repository's dist/ (running from src/ through tsx).
 */
function lightClientBundle(): string | undefined {
  if (bundle !== undefined) return bundle;
  for (const rel of ['../light-client/browser.js', '../../dist/light-client/browser.js']) {
    try {
      bundle = `${readFileSync(new URL(rel, import.meta.url), 'utf8')}\n${PAGE_SCRIPT}`;
      return bundle;
    } catch {
      // try the next place
    }
  }
  return undefined;
}

function sendText(res: Parameters<Route['handle']>[1], type: string, body: string, csp?: string): void {
  res.writeHead(200, {
    'content-type': `${type}; charset=utf-8`,
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...(csp === undefined ? {} : { 'content-security-policy': csp }),
  });
  res.end(body);
}

/** GET /verify, /verify/light-client.js and /verify/trust.json (404 with a reason when the gateway has no trust anchor to offer). */
export function verifyPageRoutes(trust: Trust | undefined): readonly Route[] {
  return [
    { name: `GET ${VERIFY_PATH}`, path: VERIFY_PATH, methods: ['GET'], example: VERIFY_PATH, handle: (_req, res) => sendText(res, 'text/html', PAGE, CSP) },
    {
      name: `GET ${BUNDLE_PATH}`, path: BUNDLE_PATH, methods: ['GET'], example: BUNDLE_PATH,
      handle: (_req, res) => {
        const js = lightClientBundle();
        if (js === undefined) sendJson(res, 503, { error: 'the browser bundle of the light client (dist/light-client/browser.js) is missing: run `npm run build`' });
        else sendText(res, 'text/javascript', js);
      },
    },
    {
      name: `GET ${TRUST_PATH}`, path: TRUST_PATH, methods: ['GET'], example: TRUST_PATH,
      handle: (_req, res) => (trust === undefined ? sendJson(res, 404, { error: 'this gateway was started without a cluster config: paste your own trust anchor' }) : sendJson(res, 200, trust)),
    },
  ];
}
