// The gateway's Prometheus metrics (issue 15 item 4), served at GET /metrics: requests by route and
// status, request latency, the HTTP guard's drops, and the cluster as the gateway's client sees it
// (replicas connected, ready = 2f+1 connected), and the error budget of the KV operations
// (slo.ts). A registry of its own; process metrics included.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { KvClient } from '../client/index.ts';
import type { HttpDropReason, Route } from '../http/serve.ts';
import { cachedRender } from '../http/admission.ts';
import { externalCounter, processMetrics } from '../metrics/metrics.ts';
import type { SloConfig } from '../config/index.ts';
import { DEFAULT_SLO } from '../config/index.ts';
import type { SloTracker } from './slo.ts';
import { createSloTracker } from './slo.ts';

/** Gateway request latency in seconds, 1 ms … 10 s (an operation times out at 10 s by default). */
export const GATEWAY_SECONDS_BUCKETS: readonly number[] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];
/** How long a rendered /metrics answer is reused: many scrapers cost one render per second. */
const RENDER_CACHE_MS = 1000;

export interface GatewayMetrics {
  readonly registry: Registry;
  /** Wraps each route so every answered request is counted and timed under its route's name. */
  instrument(routes: readonly Route[]): readonly Route[];
  /** The GET /metrics route. */
  readonly route: Route;
  /** The error budget of the KV operations (counted by `instrument`). */
  readonly slo: SloTracker;
}

/** The routes whose answers are the service the SLO is about: the KV operations. */
const isServiceRoute = (r: Route): boolean => r.path.startsWith('/kv/');

/** Per replica, what the gateway's client measured of its answers (src/protocol/response-stats.ts). */
function replicaResponseMetrics(registers: Registry[], health: () => ReturnType<KvClient['health']>): void {
  const labelNames = ['replica'] as const;
  new Gauge({
    name: 'byz_gateway_replica_response_seconds', help: 'Smoothed time from sending a request to this replica\'s answer, as the gateway\'s client measured it', labelNames, registers,
    collect() {
      for (const r of health().replicas) if (r.srttMs !== undefined) this.set({ replica: String(r.replica) }, r.srttMs / 1000);
    },
  });
  new Gauge({
    name: 'byz_gateway_replica_suspected', help: '1 when this replica answered late (or not at all) for most recent requests of the gateway\'s client, else 0', labelNames, registers,
    collect() {
      for (const r of health().replicas) this.set({ replica: String(r.replica) }, r.suspected ? 1 : 0);
    },
  });
  new Counter({
    name: 'byz_gateway_replica_answers_total', help: 'Requests of the gateway\'s client judged per replica: answered in time, or late (or not at all)', labelNames: ['replica', 'timing'], registers,
    collect() {
      this.reset();
      for (const r of health().replicas) {
        this.inc({ replica: String(r.replica), timing: 'in_time' }, r.answered);
        this.inc({ replica: String(r.replica), timing: 'late' }, r.late);
      }
    },
  });
}

export function createGatewayMetrics(client: KvClient, drops: () => Readonly<Record<HttpDropReason, number>>, sloConfig: SloConfig = DEFAULT_SLO): GatewayMetrics {
  const registry = new Registry();
  processMetrics(registry, 'byz_gateway_');
  const registers = [registry];
  const requests = new Counter({ name: 'byz_gateway_requests_total', help: 'HTTP requests answered, by route and status code', labelNames: ['route', 'status'], registers });
  const seconds = new Histogram({ name: 'byz_gateway_request_seconds', help: 'Seconds from request to answer, by route', labelNames: ['route'], buckets: [...GATEWAY_SECONDS_BUCKETS], registers });
  externalCounter(registry, 'byz_gateway_http_drops_total', 'Requests refused or answered with an error by the HTTP guard, by reason', 'reason', drops);
  const health = (): ReturnType<KvClient['health']> => client.health();
  new Gauge({ name: 'byz_gateway_replicas_connected', help: 'Replicas the gateway\'s client has an open, authenticated connection to', registers, collect() { this.set(health().connected.length); } });
  new Gauge({ name: 'byz_gateway_ready', help: '1 when 2f+1 replicas are connected (the cluster can commit), else 0', registers, collect() { this.set(health().commitQuorumReachable ? 1 : 0); } });
  new Gauge({ name: 'byz_gateway_pending_operations', help: 'Operations running or queued in the gateway\'s client', registers, collect() { this.set(health().pending); } });
  replicaResponseMetrics(registers, health);

  const slo = createSloTracker(sloConfig);
  const sloRequests = new Counter({ name: 'byz_gateway_slo_requests_total', help: 'KV operations answered, by SLO outcome: good (no server error, within the latency target) or bad', labelNames: ['outcome'], registers });
  new Gauge({ name: 'byz_gateway_slo_objective', help: 'The availability target (config slo.availability)', registers, collect() { this.set(sloConfig.availability); } });
  new Gauge({ name: 'byz_gateway_slo_latency_target_seconds', help: 'An answer slower than this is bad (config slo.latencyMs)', registers, collect() { this.set(sloConfig.latencyMs / 1000); } });
  new Gauge({ name: 'byz_gateway_error_budget_remaining', help: 'Share of the error budget left over the SLO window (1 untouched, 0 spent, negative overspent)', registers, collect() { this.set(slo.state().budgetRemaining); } });
  new Gauge({
    name: 'byz_gateway_error_budget_burn_rate', help: 'Bad share of operations ÷ the share the SLO allows, over the SLO window and the last 5 minutes (1 = spending exactly the budget)', labelNames: ['window'], registers,
    collect() {
      const s = slo.state();
      this.set({ window: 'slo' }, s.burnRate.window);
      this.set({ window: '5m' }, s.burnRate.short);
    },
  });

  const instrument = (routes: readonly Route[]): readonly Route[] =>
    routes.map((r) => ({
      ...r,
      handle: (req, res, pathname) => {
        const t0 = performance.now();
        res.once('finish', () => {
          const ms = performance.now() - t0;
          requests.inc({ route: r.name, status: String(res.statusCode) });
          seconds.observe({ route: r.name }, ms / 1000);
          if (isServiceRoute(r)) sloRequests.inc({ outcome: slo.record(res.statusCode, ms) });
        });
        return r.handle(req, res, pathname);
      },
    }));
  const render = cachedRender(() => registry.metrics(), RENDER_CACHE_MS);
  const route: Route = {
    name: 'GET /metrics', path: '/metrics', methods: ['GET'], example: '/metrics',
    handle: async (_req, res) => {
      const body = await render();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(body);
    },
  };
  return { registry, instrument, route, slo };
}
