// Cluster configuration schema (SPEC D5): one JSON file shared by every replica and client.
// Structure and per-field ranges live here (zod 4); rules that relate several fields (ids in
// order, unique host:port, window vs checkpoint interval) are in validate.ts. Every message says
// what the field must be, so an operator can fix it without reading the code.

import { z } from 'zod';
import { MAX_BATCH_REQUESTS, MAX_MESSAGE_BYTES, MAX_OP_BYTES, MAX_PENDING_REQUESTS, MAX_REPLICAS, MAX_RESULT_BYTES } from '../core/limits.ts';
import { DIGEST_BYTES } from '../core/ids.ts';
import { clusterIdProblem } from '../wire/domain.ts';
import { REQUEST_AUTH_MODES } from '../wire/authenticator.ts';
import { DEFAULT_PROTOCOL } from '../engine/registry.ts';

/** Values of the config's transportEncryption. */
export const TRANSPORT_ENCRYPTION_MODES = ['auto', 'on', 'off'] as const;

/** The only config file version this build understands. */
export const CONFIG_VERSION = 1;
/** Smallest cluster: n = 3f + 1 with f ≥ 1 (TOCS '02 §2). */
export const MIN_REPLICAS = 4;
/** Most entries in the optional client allow-list. */
export const MAX_CONFIG_CLIENTS = 100_000;

const show = (v: unknown): string => {
  if (v === undefined) return 'nothing';
  const s = typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? typeof v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
};

/** An error message function: "is required: <what>" when absent, else "must be <what> (got X)". */
const expect = (what: string) => (iss: { input?: unknown }): string =>
  iss.input === undefined ? `is required: ${what}` : `must be ${what} (got ${show(iss.input)})`;

/** An integer field in [min, max]. */
export function intIn(min: number, max: number, unit = ''): z.ZodInt {
  const what = `an integer ${min}–${max}${unit}`;
  const e = { error: expect(what) };
  return z.int(e).min(min, e).max(max, e);
}

export const portSchema = intIn(1, 65_535);

const HOST_RE = /^[A-Za-z0-9._:[\]-]+$/;
export const hostSchema = z
  .string({ error: expect('a host name or IP address') })
  .min(1, { error: 'must not be empty (a host name or IP address)', abort: true })
  .max(253, { error: 'must be at most 253 characters' })
  .regex(HOST_RE, { error: 'must be a host name or IP address (letters, digits, . - : [ ])' });

const HEX64_RE = /^[0-9a-fA-F]{64}$/;
export const publicKeyHexSchema = z
  .string({ error: expect('a 32-byte Ed25519 public key as 64 hex characters') })
  .regex(HEX64_RE, {
    error: (iss) =>
      `must be a 32-byte Ed25519 public key as 64 hex characters (got ${typeof iss.input === 'string' ? `${iss.input.length} characters` : show(iss.input)}); "byz keygen" prints one`,
  })
  .transform((s) => s.toLowerCase());

export const replicaSchema = z.strictObject({
  id: intIn(0, MAX_REPLICAS - 1),
  host: hostSchema,
  /** Replica-to-replica TCP port. */
  port: portSchema,
  /** Port where clients send requests. */
  clientPort: portSchema,
  /** HTTP port for health, status and metrics. */
  httpPort: portSchema,
  publicKey: publicKeyHexSchema,
});

export const clientEntrySchema = z.strictObject({
  name: z.string({ error: expect('a string') }).max(128, { error: 'must be at most 128 characters' }).optional(),
  publicKey: publicKeyHexSchema,
});

/** Protocol parameters in milliseconds and counts; the node converts them to ticks (params.ts). */
export const paramsSchema = z.strictObject({
  batchMaxRequests: intIn(1, MAX_BATCH_REQUESTS).default(256),
  // Half the largest frame, leaving room for per-request headers and signatures.
  batchMaxBytes: intIn(1, MAX_MESSAGE_BYTES / 2, ' bytes').default(1024 * 1024),
  batchTimeoutMs: intIn(1, 60_000, ' ms').default(20),
  windowSize: intIn(2, 1_000_000).default(256),
  /** PBFT's default; HotStuff's differs (PROTOCOL_DEFAULTS below). */
  checkpointInterval: intIn(1, 500_000).default(16),
  /** Upper bound of the adaptive request (view-change) timeout. */
  requestTimeoutMs: intIn(1, 600_000, ' ms').default(4_000),
  /** Lower bound of the adaptive request timeout; absent: min(100 ms, requestTimeoutMs). Equal to requestTimeoutMs: no adaptation. */
  minRequestTimeoutMs: intIn(1, 600_000, ' ms').optional(),
  /** The adaptive request timeout is this multiple of the smoothed request→commit latency. */
  timeoutLatencyFactor: intIn(1, 64).default(4),
  /**
   * The slow-primary detector (Aardvark NSDI '09 §4.3; src/pbft/slow-primary.ts, docs/PROTOCOL.md
   * §10): a backup votes the primary out when, in a period with a client request queued at it, the
   * primary executed under slowPrimaryPercent % (0: off) of the highest median period of recent
   * views, the bar raised slowPrimaryRaisePercent points per checked period up to
   * slowPrimaryMaxPercent; periods of slowPrimaryPeriodMs, none checked for slowPrimaryGraceMs after
   * a NEW-VIEW. The defaults are PBFT's (src/pbft/params.ts), measured on real processes in
   * bench/README.md "Under attack".
   */
  slowPrimaryPercent: intIn(0, 100, ' %').default(55),
  slowPrimaryRaisePercent: intIn(0, 100, ' percentage points').default(1),
  slowPrimaryMaxPercent: intIn(0, 100, ' %').default(60),
  slowPrimaryPeriodMs: intIn(1, 600_000, ' ms').default(500),
  slowPrimaryGraceMs: intIn(1, 600_000, ' ms').default(1_000),
  /**
   * A backup whose link to the primary closes suspects it after this long without the link coming
   * back, instead of waiting for a request timeout (src/protocol/leader-link.ts, docs/PROTOCOL.md
   * §9): a killed primary's sockets close at once. 0: links are ignored (timers only).
   */
  leaderLinkGraceMs: intIn(0, 600_000, ' ms').default(20),
  /**
   * The all-n fast path (PBFT; docs/PROTOCOL.md §11): a batch commits as soon as every backup's
   * PREPARE matches, one phase before 2f+1 COMMITs; false: the three phases always.
   */
  fastCommit: z.boolean({ error: expect('true or false') }).default(true),
  retransmitMs: intIn(1, 600_000, ' ms').default(400),
  maxPendingPerClient: intIn(1, MAX_PENDING_REQUESTS).default(16),
  maxClients: intIn(1, 10_000_000).default(100_000),
  // Per-client quotas (src/service/quota.ts, docs/LIMITS.md). The request-bytes quota is at least
  // one largest op, or a client could never send a full-size one.
  maxStateBytesPerClient: intIn(1, Number.MAX_SAFE_INTEGER, ' bytes').default(1024 * 1024 * 1024),
  maxRequestBytesPerWindow: intIn(MAX_OP_BYTES, Number.MAX_SAFE_INTEGER, ' bytes (at least one largest op)').default(256 * 1024 * 1024),
  quotaWindowSeqs: intIn(1, 100_000_000, ' sequence numbers').default(1024),
  /**
   * Digest replies (TOCS '02 §5.1.1, src/service/reply.ts): a result of at least this many bytes goes
   * whole from one replica designated per request and as its 32-byte digest from the others. 0: off.
   */
  replyDigestMinBytes: intIn(0, MAX_RESULT_BYTES, ' bytes')
    .refine((v) => v === 0 || v > DIGEST_BYTES, { error: `must be 0 (off) or above ${DIGEST_BYTES} bytes (the digest a reply would carry instead)` })
    .default(256),
  tickMs: intIn(1, 1_000, ' ms').default(10),
});

/** A token bucket: refills ratePerSecond messages per second, holds at most burst. */
export const rateSchema = z.strictObject({
  ratePerSecond: intIn(1, 10_000_000, ' messages/s'),
  burst: intIn(1, 10_000_000, ' messages'),
});

export const limitsSchema = z.strictObject({
  /** Per connected replica. */
  peer: rateSchema.prefault({ ratePerSecond: 50_000, burst: 100_000 }),
  /** Per client connection. */
  client: rateSchema.prefault({ ratePerSecond: 1_000, burst: 2_000 }),
  maxFrameBytes: intIn(1024, MAX_MESSAGE_BYTES, ' bytes').default(MAX_MESSAGE_BYTES),
  /** Most messages queued for one peer before the oldest are dropped. */
  sendQueueMax: intIn(1, 1_000_000).default(10_000),
});

/**
 * Service level objectives of the client-visible service (issue 18 item 5; docs/OPERATIONS.md): an
 * operation is good when it got an answer that is not a server error within latencyMs; the error
 * budget is the share of bad operations the availability target allows over the window.
 */
export const sloSchema = z.strictObject({
  /** Share of operations that must be good, e.g. 0.999 ("three nines"). */
  availability: z
    .number({ error: expect('a share such as 0.999') })
    .min(0.5, { error: expect('a share from 0.5 to 0.99999 such as 0.999') })
    .max(0.99999, { error: expect('a share from 0.5 to 0.99999 such as 0.999 (1 leaves no error budget at all)') })
    .default(0.999),
  /** An answer slower than this counts against the budget. */
  latencyMs: intIn(1, 600_000, ' ms').default(1000),
  /** The window the budget is spent over (the gateway keeps one-minute buckets). */
  windowMinutes: intIn(5, 10_080, ' minutes').default(60),
});

/** A number field in [min, max] (fractions allowed), e.g. a factor or a pressure. */
function numberIn(min: number, max: number, example: string): z.ZodNumber {
  const e = { error: expect(`a number ${min}–${max} such as ${example}`) };
  return z.number(e).min(min, e).max(max, e);
}

/** Names of the degradation levels (src/overload/levels.ts), for maxLevel. */
export const OVERLOAD_LEVELS = ['normal', 'shedding', 'relaxed', 'read-only'] as const;

/**
 * Adaptive admission and degradation levels (issue 18 items 3–4; docs/OPERATIONS.md, "Overload"):
 * per-client and per-peer token buckets checked before a request is authenticated, whose rates
 * follow the capacity measured every periodMs (AIMD on commit latency, pending requests and inbox
 * depth), and named levels entered and left by the same pressure. Rates and capacities are in
 * request cost units: a request of up to 4 KiB is one unit, and each further 4 KiB one more.
 */
export const overloadSchema = z.strictObject({
  /** false: no adaptive buckets and no levels (the transport's fixed limits.client / limits.peer still apply). */
  enabled: z.boolean({ error: expect('true or false') }).default(true),
  /** The control period: how often load is measured and rates and level are decided. */
  periodMs: intIn(10, 60_000, ' ms').default(250),
  /** Congested when requests take longer than this from arrival to execution (mean over a period). */
  latencyTargetMs: intIn(1, 600_000, ' ms').default(1_000),
  /** Congested when more requests than this are pending at the replica. */
  pendingHigh: intIn(1, 10_000_000, ' requests').default(4_096),
  /** Congested when more inputs than this wait in the node's inbox (it holds at most 100,000). */
  inboxHigh: intIn(1, 100_000, ' inputs').default(10_000),
  /** On congestion the capacity becomes decrease × min(capacity, executed rate). */
  decrease: numberIn(0.05, 0.99, '0.8').default(0.8),
  /** Without congestion the capacity grows by this many units/s per second. */
  increasePerSecond: intIn(1, 10_000_000, ' units/s per second').default(50),
  /** The capacity never drops below this. */
  minCapacity: intIn(1, 10_000_000, ' units/s').default(50),
  /**
   * Flooded when clients offer more than this × the executed rate in a period (honest clients, one
   * request outstanding each, offer about what executes): the capacity is then held at twice the
   * executed rate, and the fair shares leave a flooder only what honest clients do not use.
   */
  demandHigh: numberIn(1.1, 1_000, '3').default(3),
  /**
   * Every client may send at least this many units/s, whatever the capacity (the floor of its fair
   * share). A client with at most minClientRate × latencyTargetMs / 1000 requests outstanding sends
   * no faster than this while the replica is congested, so it is never throttled.
   */
  minClientRate: intIn(1, 10_000_000, ' units/s').default(4),
  /** A client's bucket holds this many seconds of its rate (and at least minBurst units, and always one request). */
  burstSeconds: numberIn(0.01, 60, '0.5').default(0.5),
  minBurst: intIn(1, 100_000, ' units').default(32),
  /** While shedding, a client that asked for more than its fair share gets this fraction of it. */
  heavyFactor: numberIn(0.01, 1, '0.5').default(0.5),
  /**
   * A client that sends, on its own connection, a request no correct client sends (bad signature or
   * authenticator, op over the limit, undecodable, another client's name) has nothing admitted for
   * this long after its last such request (Aardvark's blacklisting, timed); 0: never.
   */
  faultPenaltyMs: intIn(0, 3_600_000, ' ms').default(10_000),
  /** Pressure (the largest of latency / latencyTargetMs, pending / pendingHigh, inbox / inboxHigh) that enters each level. */
  sheddingPressure: numberIn(0.1, 1_000, '1').default(1),
  relaxedPressure: numberIn(0.1, 1_000, '2').default(2),
  readOnlyPressure: numberIn(0.1, 1_000, '8').default(8),
  /** A level is left when the pressure stays below exitRatio × the level's pressure for exitPeriods periods. */
  exitRatio: numberIn(0.05, 0.99, '0.7').default(0.7),
  enterPeriods: intIn(1, 10_000, ' periods').default(4),
  exitPeriods: intIn(1, 10_000, ' periods').default(20),
  /**
   * The highest level a replica may enter ("normal": never degrade). Default "shedding": relaxed and
   * read-only change the protocol's timing or refuse writes on one replica's own measurements (a
   * loaded host can look overloaded), so they are opt-in.
   */
  maxLevel: z
    .enum(OVERLOAD_LEVELS, { error: (iss) => `must be one of ${OVERLOAD_LEVELS.map((l) => `"${l}"`).join(', ')}; got ${show(iss.input)}` })
    .default('shedding'),
  /** Shedding and above refuse requests larger than this (encoded bytes). */
  shedRequestBytes: intIn(256, MAX_MESSAGE_BYTES, ' bytes').default(16 * 1024),
  /** Relaxed and above deliver one timer tick per this many tick periods (longer timeouts, bigger batches). */
  relaxedTickStretch: intIn(1, 100).default(2),
});

/** Most certified checkpoints a replica may keep for proofs (each holds the trees changed since the one before). */
export const MAX_RETAINED_CHECKPOINTS = 256;

/**
 * Proofs a third party can check (docs/PROTOCOL.md §4b): how many stable checkpoints a replica keeps,
 * with their 2f+1 signed CHECKPOINTs and captured state trees, past log garbage collection, to
 * answer proof queries at (src/node/proofs.ts). More makes older writes provable, at the memory of
 * the state changed between the oldest kept and the live state. The default (PBFT's; HotStuff's in
 * PROTOCOL_DEFAULTS) spans 256 seqs of the default params.checkpointInterval.
 */
export const proofsSchema = z.strictObject({
  retainCheckpoints: intIn(1, MAX_RETAINED_CHECKPOINTS, ' checkpoints (kept for proofs)').default(16),
});

export const clusterConfigSchema = z.strictObject({
  version: z.literal(CONFIG_VERSION, {
    error: (iss) => (iss.input === undefined ? `is required: must be ${CONFIG_VERSION}` : `must be ${CONFIG_VERSION} (the only config version this build understands; got ${show(iss.input)})`),
  }),
  /**
   * Names the cluster in every signature (src/wire/domain.ts) and in the transport handshake.
   * Optional: validate.ts derives a default from the replica keys, so older files keep working.
   */
  clusterId: z
    .string({ error: expect('a cluster name') })
    .refine((s) => clusterIdProblem(s) === undefined, { error: (iss) => clusterIdProblem(String(iss.input)) ?? 'is not a cluster id' })
    .optional(),
  /** The ordering protocol (src/engine/registry.ts lists what this build has; checked in validate.ts). */
  protocol: z.string({ error: expect('a protocol name such as "pbft"') }).default(DEFAULT_PROTOCOL),
  /**
   * How replicas authenticate client requests (docs/PROTOCOL.md, "Request authentication"):
   * "signature" — every replica verifies the client's Ed25519 signature (third parties can check
   * every ordered request); "mac" — one MAC per replica, the signature verified once, by the replica
   * that proposes the request; "shared" — signed requests, each verified by the primary and f backups
   * chosen by its place in the batch, who report bad ones in their PREPAREs (PBFT only).
   */
  requestAuth: z
    .enum(REQUEST_AUTH_MODES, {
      error: (iss) =>
        `must be "signature" (every replica verifies each client signature), "mac" (MAC authenticators) or "shared" (signatures verified by f+1 replicas each), docs/PROTOCOL.md §5.1; got ${show(iss.input)}`,
    })
    .default('signature'),
  /**
   * Link encryption (docs/TRANSPORT.md, "Encryption"): "auto" — on when any replica host is not a
   * loopback address, off when all are; "on"/"off" force it. Every replica and client must agree.
   */
  transportEncryption: z
    .enum(TRANSPORT_ENCRYPTION_MODES, {
      error: (iss) =>
        `must be "auto" (encrypt unless every replica host is loopback), "on" or "off" (docs/TRANSPORT.md, "Encryption"); got ${show(iss.input)}`,
    })
    .default('auto'),
  replicas: z
    .array(replicaSchema, { error: expect('an array of replicas') })
    .min(MIN_REPLICAS, {
      error: (iss) =>
        `must list at least ${MIN_REPLICAS} replicas (n = 3f + 1 tolerates f faults; f ≥ 1 needs n ≥ 4); got ${Array.isArray(iss.input) ? iss.input.length : '?'}`,
    })
    .max(MAX_REPLICAS, { error: `must list at most ${MAX_REPLICAS} replicas` }),
  /** Optional allow-list of client public keys; absent means any client with a valid signature. */
  clients: z
    .array(clientEntrySchema, { error: expect('an array of { name?, publicKey }') })
    .max(MAX_CONFIG_CLIENTS, { error: `must list at most ${MAX_CONFIG_CLIENTS} clients` })
    .optional(),
  params: paramsSchema.prefault({}),
  limits: limitsSchema.prefault({}),
  slo: sloSchema.prefault({}),
  proofs: proofsSchema.prefault({}),
  overload: overloadSchema.prefault({}),
});

/** One replica of a cluster config: its id, host, ports and public key. */
export type ReplicaConfig = z.output<typeof replicaSchema>;
/** One allowed client of a cluster config: its public key and an optional name. */
export type ClientEntry = z.output<typeof clientEntrySchema>;
/** Protocol parameters of a cluster config (timers, batching, checkpoints; docs/OPERATIONS.md), defaults filled in. */
export type ConfigParams = z.output<typeof paramsSchema>;
export type RateLimit = z.output<typeof rateSchema>;
/** Resource limits of a cluster config (docs/LIMITS.md), defaults filled in. */
export type ConfigLimits = z.output<typeof limitsSchema>;
export type SloConfig = z.output<typeof sloSchema>;
/** Adaptive admission and degradation levels of a cluster config, defaults filled in. */
export type OverloadConfig = z.output<typeof overloadSchema>;
/** The proof retention policy of a cluster config, default filled in. */
export type ProofsConfig = z.output<typeof proofsSchema>;
export type TransportEncryptionMode = (typeof TRANSPORT_ENCRYPTION_MODES)[number];
/** A validated config: the cluster id is always set (given, or derived from the keys in validate.ts). */
export type ClusterConfig = Omit<z.output<typeof clusterConfigSchema>, 'clusterId'> & { readonly clusterId: string };
/** What may be written in the file (params, limits and their fields are optional). */
export type ClusterConfigInput = z.input<typeof clusterConfigSchema>;

/**
 * The defaults that differ by protocol, applied where the file leaves them out (validate.ts). A view
 * change carries, persists and checks the prepared batches above the stable checkpoint, so PBFT
 * checkpoints every 16 seqs: at n=7 under full load its failover's median was a third lower than with
 * 64 in two alternated comparisons (303 vs 426 ms, 317 vs 475 ms), at the same throughput. HotStuff
 * lost 15–20% of its throughput with 16 (not profiled) and keeps 64 (bench/README.md, "Session 31").
 * Either way the checkpoints kept for proofs span 256 seqs. Unknown protocols take the schema's
 * defaults, which are PBFT's.
 */
export const PROTOCOL_DEFAULTS: Readonly<Record<string, { readonly checkpointInterval: number; readonly retainCheckpoints: number }>> = {
  hotstuff: { checkpointInterval: 64, retainCheckpoints: 4 },
};

/** Default protocol parameters (PBFT's, the default protocol), as a config file would spell them out. */
export const DEFAULT_CONFIG_PARAMS: ConfigParams = paramsSchema.parse({});
/** Default resource limits, as a config file would spell them out. */
export const DEFAULT_CONFIG_LIMITS: ConfigLimits = limitsSchema.parse({});
export const DEFAULT_SLO: SloConfig = sloSchema.parse({});
export const DEFAULT_OVERLOAD: OverloadConfig = overloadSchema.parse({});

/** Field names allowed in each object of the file, for "unknown field; did you mean …" hints. */
export const KNOWN_FIELDS: Readonly<Record<'root' | 'replica' | 'client' | 'params' | 'limits' | 'rate' | 'slo' | 'proofs' | 'overload', readonly string[]>> = {
  root: Object.keys(clusterConfigSchema.shape),
  replica: Object.keys(replicaSchema.shape),
  client: Object.keys(clientEntrySchema.shape),
  params: Object.keys(paramsSchema.shape),
  limits: Object.keys(limitsSchema.shape),
  rate: Object.keys(rateSchema.shape),
  slo: Object.keys(sloSchema.shape),
  proofs: Object.keys(proofsSchema.shape),
  overload: Object.keys(overloadSchema.shape),
};

const LOOPBACK_HOSTS = new Set(['localhost', '::1', '[::1]', '0:0:0:0:0:0:0:1']);

/** 127.0.0.0/8, ::1 and "localhost": traffic that never leaves the machine. */
export const isLoopbackHost = (host: string): boolean => LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

/** Whether links are encrypted: "on", or "auto" with any replica host off loopback. */
export function linkEncryption(config: Pick<ClusterConfig, 'transportEncryption' | 'replicas'>): boolean {
  switch (config.transportEncryption) {
    case 'on':
      return true;
    case 'off':
      return false;
    case 'auto':
      return config.replicas.some((r) => !isLoopbackHost(r.host));
    default:
      return config.transportEncryption satisfies never;
  }
}
