// The table of `byz` commands: each command's name, its one-line summary (this table is the only
// place for it: src/cli/program.ts sets it as the command's description) and a loader that imports
// the command's module only when that command runs. `byz --help` lists every command from this
// table without importing any command module; `byz get ...` imports src/cli/client-commands.ts and
// nothing else. A new command is one line here (its module exports register<Name>(program) and
// does not set the top-level description); commands registered by one module share its loader.
// src/cli/commands.test.ts checks the table against what the modules register.

import type { Command } from 'commander';

/** Adds a module's command(s) to the program. */
export type Register = (program: Command) => void;

export interface CommandEntry {
  /** The command's name, as typed after `byz`. */
  readonly name: string;
  /** What follows the name in the top-level help: `[options]` and the arguments, e.g. `[options] <key>`. */
  readonly args: string;
  /** The one-line summary shown by `byz --help` and `byz <name> --help`. */
  readonly summary: string;
  /** Imports the command's module and returns its register function. */
  readonly load: () => Promise<Register>;
}

const client = async (): Promise<Register> => (await import('./client-commands.ts')).registerClientCommands;

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'sim', args: '[options]', summary: 'run a deterministic simulation of a PBFT cluster (or a sweep of seeds with --seeds)', load: async () => (await import('./sim.ts')).registerSim },
  { name: 'sim-demo', args: '', summary: 'narrate a deterministic simulation of a 4-replica cluster: batches, a partition, a view change', load: async () => (await import('./sim-demo.ts')).registerSimDemo },
  { name: 'explore', args: '[options]', summary: 'explore message schedules of a small simulated cluster systematically (PCT or random walk), every checker on each schedule', load: async () => (await import('./explore.ts')).registerExplore },
  { name: 'keygen', args: '[options]', summary: 'write a new Ed25519 private key (mode 0600) and print its public key', load: async () => (await import('./keygen.ts')).registerKeygen },
  { name: 'init', args: '[options]', summary: 'create a cluster directory: cluster.json and one private key per replica (+ client.key)', load: async () => (await import('./init.ts')).registerInit },
  { name: 'node', args: '[options]', summary: 'run one replica of the cluster described by --config', load: async () => (await import('./node.ts')).registerNode },
  { name: 'put', args: '[options] <key> <value>', summary: 'store VALUE under KEY (ordered by the cluster)', load: client },
  { name: 'get', args: '[options] <key>', summary: 'print the value of KEY (a linearizable read, ordered by the cluster); exit 1 if absent', load: client },
  { name: 'del', args: '[options] <key>', summary: 'delete KEY; exit 1 if it was absent', load: client },
  { name: 'cas', args: '[options] <key> <expected> <new>', summary: 'set KEY to NEW only if it holds EXPECTED; exit 1 if it does not', load: client },
  { name: 'gateway', args: '[options]', summary: 'serve the key-value store over HTTP: PUT/GET/DELETE /kv/<key>, GET /health, /readyz, /livez, /metrics', load: async () => (await import('./gateway.ts')).registerGateway },
  { name: 'demo', args: '[options]', summary: 'a scripted tour of a real 4-replica cluster: load, kill -9 of the primary, view change, restart and catch-up', load: async () => (await import('./tour.ts')).registerTour },
  { name: 'start', args: '[options]', summary: 'run a local cluster: 4 replica processes + HTTP gateway on 127.0.0.1 (data kept in --data)', load: async () => (await import('./start.ts')).registerStart },
  { name: 'bench', args: '[options]', summary: 'benchmark real replica processes on 127.0.0.1: throughput, latency, CPU, memory, wire bytes (results in bench/results)', load: async () => (await import('./bench.ts')).registerBench },
  { name: 'evidence', args: '', summary: 'work with evidence of Byzantine behaviour (SPEC C1)', load: async () => (await import('./evidence.ts')).registerEvidence },
  { name: 'audit', args: '', summary: "work with a replica's audit trail (docs/AUDIT.md)", load: async () => (await import('./audit.ts')).registerAudit },
  { name: 'proof', args: '', summary: 'work with proofs of reads and writes (docs/PROTOCOL.md §4b)', load: async () => (await import('./proof.ts')).registerProof },
  { name: 'twins', args: '[options]', summary: 'Twins: run twinned replicas (same id and key) through systematic and random partition/leader scenarios', load: async () => (await import('./twins.ts')).registerTwins },
  { name: 'validate', args: '[options]', summary: 'go / no-go readiness report for a cluster config: config lint, simulator sweeps, a throwaway local cluster (crash recovery, failover, throughput, memory)', load: async () => (await import('./validate.ts')).registerValidate },
];
