// The live status page's routes (issue 15 item 3), the same on the gateway and on a replica's status
// port: GET /dashboard (one HTML file with inline JS and CSS, src/status/page.html, shipped in the
// package; it fetches nothing from other hosts, and its Content-Security-Policy forbids it to) and
// GET /dashboard/events (Server-Sent Events of the ClusterView, src/status/stream.ts).

import { readFileSync } from 'node:fs';
import type { Route } from '../http/serve.ts';
import { createEventStream } from './stream.ts';
import type { EventStream } from './stream.ts';

export const PAGE_PATH = '/dashboard';
export const EVENTS_PATH = '/dashboard/events';
/** One snapshot per second to each open page. */
export const STATUS_STREAM_INTERVAL_MS = 1000;

/** Only this origin's event stream; inline script and style; nothing else (no external fetches). */
const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

let html: string | undefined;

/** The page, read once from the package (a missing file is an install problem, said as such). */
export function statusPageHtml(): string {
  if (html === undefined) {
    const url = new URL('./page.html', import.meta.url);
    try {
      html = readFileSync(url, 'utf8');
    } catch (e) {
      throw new Error(`the status page ${url.pathname} is missing from the installed package (${String(e)}); reinstall byzantium`);
    }
  }
  return html;
}

export interface StatusPage {
  /** GET /dashboard and GET /dashboard/events. */
  readonly routes: readonly [page: Route, events: Route];
  readonly events: EventStream;
}

/** The page and its event stream of snapshot(); close events on shutdown. */
export function statusPage(snapshot: () => unknown, maxStreams: number): StatusPage {
  const events = createEventStream({ snapshot, maxStreams, intervalMs: STATUS_STREAM_INTERVAL_MS });
  const page: Route = {
    name: `GET ${PAGE_PATH}`, path: PAGE_PATH, methods: ['GET'], example: PAGE_PATH,
    handle: (_req, res) => {
      const body = statusPageHtml();
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': String(Buffer.byteLength(body)),
        'cache-control': 'no-store',
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
      });
      res.end(body);
    },
  };
  return { routes: [page, events.route(EVENTS_PATH)], events };
}
