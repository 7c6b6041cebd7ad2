// The node's side of chaos mode (src/transport/chaos.ts; docs/OPERATIONS.md "Chaos mode"): wraps the
// replica's transport when `--chaos` asked for it, warns once at start, and counts every fault in
// byz_chaos_faults_total{fault,peer}.

import { Counter } from 'prom-client';
import type { Logger } from '../log/logger.ts';
import type { NodeMetrics } from '../metrics/metrics.ts';
import type { ChaosOptions } from '../transport/chaos.ts';
import { formatChaos, withChaos } from '../transport/chaos.ts';
import type { TcpTransport } from '../transport/tcp.ts';

export function applyChaos(transport: TcpTransport, chaos: ChaosOptions | undefined, metrics: NodeMetrics, log: Logger): TcpTransport {
  if (chaos === undefined) return transport;
  const faults = new Counter({
    name: 'byz_chaos_faults_total',
    help: 'Faults chaos mode injected on links to other replicas, by fault (drop, delay, reset) and peer',
    labelNames: ['fault', 'peer'],
    registers: [metrics.registry],
  });
  log.warn({ chaos: formatChaos(chaos) }, 'CHAOS MODE: this replica loses, delays and resets its links to other replicas on purpose (staging only)');
  return withChaos(transport, chaos, { onFault: (fault, peer) => faults.inc({ fault, peer: String(peer) }) });
}
