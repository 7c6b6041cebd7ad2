// The table of `byz` commands: each name with its one-line summary and the module that registers
// it, imported only when that command runs. `byz --help` lists the table without importing any
// command module (they pull in the simulator, the node, the bench, …); `byz get` imports the client
// commands only. A test (src/cli/commands.test.ts) checks every summary is the description the
// module registers, so the two cannot drift. A new command: one line here, and its module exports
// register<Name>(program).

import type { Command } from 'commander';

export interface CommandEntry {
  /** The command names the module registers (the client commands are four). */
  readonly names: readonly string[];
  /** One line per name, as `byz --help` lists it (the module's .description()). */
  readonly summaries: readonly string[];
  readonly load: () => Promise<(program: Command) => void>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { names: ['sim'], summaries: ['run a deterministic simulation of a PBFT cluster (or a sweep of seeds with --seeds)'], load: async () => (await import('./sim.ts')).registerSim },
  { names: ['sim-demo'], summaries: ['narrate a deterministic simulation of a 4-replica cluster: batches, a partition, a view change'], load: async () => (await import('./sim-demo.ts')).registerSimDemo },
  { names: ['keygen'], summaries: ['write a new Ed25519 private key (mode 0600) and print its public key'], load: async () => (await import('./keygen.ts')).registerKeygen },
  { names: ['init'], summaries: ['create a cluster directory: cluster.json and one private key per replica (+ client.key)'], load: async () => (await import('./init.ts')).registerInit },
  { names: ['node'], summaries: ['run one replica of the cluster described by --config'], load: async () => (await import('./node.ts')).registerNode },
  {
    names: ['put', 'get', 'del', 'cas'],
    summaries: [
      'store VALUE under KEY (ordered by the cluster)',
      'print the value of KEY (a linearizable read, ordered by the cluster); exit 1 if absent',
      'delete KEY; exit 1 if it was absent',
      'set KEY to NEW only if it holds EXPECTED; exit 1 if it does not',
    ],
    load: async () => (await import('./client-commands.ts')).registerClientCommands,
  },
  { names: ['gateway'], summaries: ['serve the key-value store over HTTP: PUT/GET/DELETE /kv/<key>, GET /health, /readyz, /livez, /metrics'], load: async () => (await import('./gateway.ts')).registerGateway },
  { names: ['demo'], summaries: ['a scripted tour of a real 4-replica cluster: load, kill -9 of the primary, view change, restart and catch-up'], load: async () => (await import('./tour.ts')).registerTour },
  { names: ['start'], summaries: ['run a local cluster: 4 replica processes + HTTP gateway on 127.0.0.1 (data kept in --data)'], load: async () => (await import('./start.ts')).registerStart },
  { names: ['bench'], summaries: ['benchmark real replica processes on 127.0.0.1: throughput, latency, CPU, memory, wire bytes (results in bench/results)'], load: async () => (await import('./bench.ts')).registerBench },
  { names: ['evidence'], summaries: ['work with evidence of Byzantine behaviour (SPEC C1)'], load: async () => (await import('./evidence.ts')).registerEvidence },
  { names: ['audit'], summaries: ["work with a replica's audit trail (docs/AUDIT.md)"], load: async () => (await import('./audit.ts')).registerAudit },
  { names: ['proof'], summaries: ['work with proofs of reads and writes (docs/PROTOCOL.md §4b)'], load: async () => (await import('./proof.ts')).registerProof },
  { names: ['twins'], summaries: ['Twins: run twinned replicas (same id and key) through systematic and random partition/leader scenarios'], load: async () => (await import('./twins.ts')).registerTwins },
  {
    names: ['validate'],
    summaries: ['go / no-go readiness report for a cluster config: config lint, simulator sweeps, a throwaway local cluster (crash recovery, failover, throughput, memory)'],     load: async () => (await import('./validate.ts')).registerValidate,
  },
];

/** The entry that registers command `name`, if any. */
export function commandEntry(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.names.includes(name));
}
