// HTTP endpoints of a replica (SPEC E1, E3): /metrics (Prometheus), /health, /status (JSON), and
// /evidence (SPEC C1: the evidence this replica holds, as a file `byz evidence verify` checks).

import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { NodeMetrics } from '../metrics/metrics.ts';

export interface HttpOptions {
  readonly host: string;
  readonly port: number;
  readonly metrics: NodeMetrics;
  readonly status: () => { peers: readonly number[]; status: string; view: number; lastExecuted: number };
  /** Peers this replica must reach to be part of a quorum (2f of n−1). */
  readonly quorumPeers: number;
  /**
   * This replica's local (unordered, possibly stale) view of a key, for operators and tests; absent
   * when the replica runs a user's app (`--app`), which has no keys to read this way.
   */
  readonly localGet?: (key: string) => { value: string | null; lastExecuted: number };
  /** The evidence file (docs/ACCOUNTABILITY.md) of what this replica holds. */
  readonly evidenceFile: () => string;
}

export function startHttp(opts: HttpOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const send = (code: number, body: string, type = 'application/json'): void => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return send(405, JSON.stringify({ error: 'only GET is served here' }));
    if (path === '/metrics') {
      opts.metrics.render().then(
        (text) => send(200, text, opts.metrics.registry.contentType),
        (e: unknown) => send(500, JSON.stringify({ error: String(e) })),
      );
      return;
    }
    if (path?.startsWith('/local/kv/') === true) {
      if (opts.localGet === undefined) return send(404, JSON.stringify({ error: 'this replica runs a user app (--app), not the KV store; /local/kv/<key> is not served' }));
      const key = decodeURIComponent(path.slice('/local/kv/'.length));
      return send(200, JSON.stringify({ key, ...opts.localGet(key) }));
    }
    if (path === '/evidence') return send(200, opts.evidenceFile());
    const s = opts.status();
    if (path === '/status') return send(200, JSON.stringify(s, null, 2));
    if (path === '/health') {
      const healthy = s.peers.length >= opts.quorumPeers && s.status === 'normal';
      return send(healthy ? 200 : 503, JSON.stringify({ healthy, peers: s.peers.length, needPeers: opts.quorumPeers, status: s.status, view: s.view }));
    }
    send(404, JSON.stringify({ error: `unknown path ${path}; try /health, /status, /metrics, /evidence or /local/kv/<key>` }));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
