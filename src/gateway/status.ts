// The gateway's live status (issue 15 item 3): GET /status (the cluster as JSON), GET /dashboard (the
// page) and GET /dashboard/events (its Server-Sent Events). With a poller (the gateway launched from a
// cluster config) each replica's own /status is shown; without one, only which replicas the gateway's
// client is connected to.

import type { KvClient } from '../client/index.ts';
import type { ClusterView } from '../status/view.ts';
import { clusterView, downView } from '../status/view.ts';
import { statusPage } from '../status/page.ts';
import type { StatusPage } from '../status/page.ts';
import type { StatusPoller } from '../status/poller.ts';
import { sendJson } from '../http/io.ts';
import type { Route } from '../http/serve.ts';

/** Live status pages (event streams) open at once on the gateway; more get 503. */
export const MAX_GATEWAY_STATUS_STREAMS = 32;

export interface GatewayStatus {
  readonly view: () => ClusterView;
  /** GET /status, the JSON of view(). */
  readonly route: Route;
  readonly page: StatusPage;
  /** Ends the event streams and stops the poller. */
  close(): void;
}

/** The cluster as the gateway's client connections see it (no replica status ports known). */
function connectionsView(client: KvClient): ClusterView {
  const h = client.health();
  const replicas = Array.from({ length: h.n }, (_, id) => {
    const up = h.connected.includes(id);
    return downView(id, up, up ? 'connected to the gateway (status port not polled)' : 'no connection from the gateway');
  });
  return clusterView('gateway', Date.now(), undefined, h.n, replicas);
}

export function gatewayStatus(client: KvClient, poller?: StatusPoller): GatewayStatus {
  const view = poller === undefined ? () => connectionsView(client) : () => poller.view();
  const page = statusPage(view, MAX_GATEWAY_STATUS_STREAMS);
  return {
    view,
    route: {
      name: 'GET /status', path: '/status', methods: ['GET'], example: '/status',
      handle: (_req, res) => sendJson(res, 200, view()),
    },
    page,
    close() {
      page.events.close();
      poller?.close();
    },
  };
}
