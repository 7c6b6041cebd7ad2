// Validation of a parsed cluster config (SPEC D5): zod checks each field (schema.ts); the rules
// here relate fields to each other. Both run on every input, so one pass reports every problem,
// each as a ConfigError naming the field path (`replicas[2].port`) and how to fix it.

import { z } from 'zod';
import { err, ok } from '../core/result.ts';
import type { Result } from '../core/result.ts';
import { fromHex, publicKey } from '../core/ids.ts';
import type { PublicKey } from '../core/ids.ts';
import { assert } from '../core/assert.ts';
import type { EngineParams } from '../engine/module.ts';
import { findProtocol, PROTOCOL_NAMES } from '../engine/registry.ts';
import { sha256 } from '../crypto/ed25519.ts';
import type { SigningDomain } from '../wire/domain.ts';
import { INITIAL_EPOCH, defaultClusterId, signingDomain } from '../wire/domain.ts';
import {
  clusterConfigSchema,
  hostSchema,
  intIn,
  KNOWN_FIELDS,
  limitsSchema,
  overloadSchema,
  PROTOCOL_DEFAULTS,
  paramsSchema,
  portSchema,
  publicKeyHexSchema,
} from './schema.ts';
import type { ClusterConfig, ConfigParams } from './schema.ts';

/** One problem with a cluster config, a key file or a command-line value. */
export interface ConfigError {
  /** Where the problem is: a field path such as `replicas[2].port`, or the file name. */
  readonly path: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** Generous upper bound on the encoded size of one request besides its op (ids, reqNo, signature). */
export const REQUEST_OVERHEAD_BYTES = 256;

type Seg = PropertyKey;

export function formatPath(path: readonly Seg[]): string {
  let out = '';
  for (const s of path) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? String(s) : `.${String(s)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** One line per error, e.g. `  replicas[2].port: must be an integer 1–65535 (got 0)`. */
export function formatConfigErrors(errors: readonly ConfigError[], source?: string): string {
  const head = source === undefined ? 'invalid cluster config:' : `invalid cluster config ${source}:`;
  return [head, ...errors.map((e) => `  ${e.path}: ${e.message}`)].join('\n');
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

function knownFieldsAt(path: readonly Seg[]): readonly string[] {
  const [a, b] = path;
  if (path.length === 0) return KNOWN_FIELDS.root;
  if (a === 'replicas' && path.length === 2) return KNOWN_FIELDS.replica;
  if (a === 'clients' && path.length === 2) return KNOWN_FIELDS.client;
  if (a === 'params' && path.length === 1) return KNOWN_FIELDS.params;
  if (a === 'limits' && path.length === 1) return KNOWN_FIELDS.limits;
  if (a === 'limits' && (b === 'peer' || b === 'client')) return KNOWN_FIELDS.rate;
  if (a === 'slo' && path.length === 1) return KNOWN_FIELDS.slo;
  if (a === 'proofs' && path.length === 1) return KNOWN_FIELDS.proofs;
  if (a === 'overload' && path.length === 1) return KNOWN_FIELDS.overload;
  return [];
}

function unknownFieldMessage(path: readonly Seg[], key: string): string {
  const known = knownFieldsAt(path);
  const close = known.find((k) => k.toLowerCase() === key.toLowerCase() || editDistance(k, key) <= 2);
  if (close !== undefined) return `unknown field; did you mean "${close}"?`;
  return known.length > 0 ? `unknown field (allowed: ${known.join(', ')})` : 'unknown field';
}

function fromZod(issues: readonly z.core.$ZodIssue[]): ConfigError[] {
  const out: ConfigError[] = [];
  for (const iss of issues) {
    if (iss.code === 'unrecognized_keys') {
      for (const k of iss.keys) out.push({ path: formatPath([...iss.path, k]), message: unknownFieldMessage(iss.path, k) });
    } else {
      out.push({ path: formatPath(iss.path), message: iss.message });
    }
  }
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const ENDPOINT_FIELDS = ['port', 'clientPort', 'httpPort'] as const;

/** Ids 0..n−1 in list order, every host:port used once, every public key used once. */
function checkReplicas(raw: unknown): ConfigError[] {
  if (!Array.isArray(raw)) return [];
  const out: ConfigError[] = [];
  const endpoints = new Map<string, string>();
  const keys = new Map<string, string>();
  const replicaId = intIn(0, Number.MAX_SAFE_INTEGER);
  raw.forEach((r: unknown, i) => {
    if (!isRecord(r)) return;
    const id = replicaId.safeParse(r['id']);
    if (id.success && id.data !== i) {
      out.push({ path: `replicas[${i}].id`, message: `must be ${i}: replica ids are 0..n−1 in list order (got ${id.data})` });
    }
    const host = hostSchema.safeParse(r['host']);
    for (const field of ENDPOINT_FIELDS) {
      const port = portSchema.safeParse(r[field]);
      if (!host.success || !port.success) continue;
      const endpoint = `${host.data.toLowerCase()}:${port.data}`;
      const here = `replicas[${i}].${field}`;
      const first = endpoints.get(endpoint);
      if (first === undefined) endpoints.set(endpoint, here);
      else out.push({ path: here, message: `duplicate of ${first} (${endpoint}); every port must be unique per host` });
    }
    const key = publicKeyHexSchema.safeParse(r['publicKey']);
    if (key.success) {
      const here = `replicas[${i}].publicKey`;
      const first = keys.get(key.data);
      if (first === undefined) keys.set(key.data, here);
      else out.push({ path: here, message: `same key as ${first}; each replica needs its own key pair ("byz keygen")` });
    }
  });
  return out;
}

/** Each field of an object that is valid on its own (defaults applied); invalid ones are absent. */
function validFields<T extends z.ZodObject>(schema: T, raw: unknown): Partial<z.output<T>> {
  const obj = isRecord(raw) ? raw : raw === undefined ? {} : undefined;
  const out: Record<string, unknown> = {};
  if (obj === undefined) return {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const r = z.safeParse(field, obj[key]);
    if (r.success) out[key] = r.data;
  }
  return out as Partial<z.output<T>>;
}

/** Window, timers and frame size; each rule runs when the fields it relates are valid. */
function checkParams(rawProtocol: unknown, rawParams: unknown, rawLimits: unknown): ConfigError[] {
  const out: ConfigError[] = [];
  const p = { ...validFields(paramsSchema, rawParams), ...protocolDefault(rawProtocol, rawParams, 'checkpointInterval') };
  const l = validFields(limitsSchema, rawLimits);
  const { windowSize: w, checkpointInterval: k, tickMs } = p;
  // TOCS '02 §4.2–4.3: H = h + L, a checkpoint every K; the window must span whole intervals.
  if (w !== undefined && k !== undefined && w % k !== 0) {
    out.push({ path: 'params.windowSize', message: `must be a multiple of params.checkpointInterval (${k}); got ${w}, try ${Math.ceil(w / k) * k}` });
  }
  if (w !== undefined && k !== undefined && w < 2 * k) {
    out.push({ path: 'params.windowSize', message: `must be at least 2 × params.checkpointInterval (${2 * k}) so the window can advance; got ${w}` });
  }
  const { minRequestTimeoutMs: lo, requestTimeoutMs: hi } = p;
  if (lo !== undefined && hi !== undefined && lo > hi) {
    out.push({ path: 'params.minRequestTimeoutMs', message: `must not exceed params.requestTimeoutMs (${hi}), the upper bound of the adaptive timeout; got ${lo} (make them equal to turn adaptation off)` });
  }
  for (const field of ['batchTimeoutMs', 'requestTimeoutMs', 'minRequestTimeoutMs', 'retransmitMs'] as const) {
    const v = p[field];
    if (v !== undefined && tickMs !== undefined && v < tickMs) {
      out.push({ path: `params.${field}`, message: `must be at least params.tickMs (${tickMs}); got ${v}` });
    }
  }
  const { batchMaxBytes, batchMaxRequests } = p;
  if (batchMaxBytes !== undefined && batchMaxRequests !== undefined && l.maxFrameBytes !== undefined) {
    const need = batchMaxBytes + batchMaxRequests * REQUEST_OVERHEAD_BYTES;
    if (l.maxFrameBytes < need) {
      out.push({
        path: 'limits.maxFrameBytes',
        message: `must hold a full batch: at least ${need} (params.batchMaxBytes + ${REQUEST_OVERHEAD_BYTES} × params.batchMaxRequests); raise it or lower params.batchMaxBytes`,
      });
    }
  }
  return out;
}

/** The protocol must be one this build has (src/engine/registry.ts). */
function checkProtocol(rawProtocol: unknown): ConfigError[] {
  if (typeof rawProtocol !== 'string' || findProtocol(rawProtocol) !== undefined) return [];
  return [{ path: 'protocol', message: `unknown protocol ${JSON.stringify(rawProtocol)}; this build has ${PROTOCOL_NAMES.map((p) => JSON.stringify(p)).join(', ')}` }];
}

/** The levels' pressures must climb: shedding < relaxed < read-only (src/overload/levels.ts). */
function checkOverload(rawOverload: unknown): ConfigError[] {
  const o = validFields(overloadSchema, rawOverload);
  const out: ConfigError[] = [];
  const { sheddingPressure: shed, relaxedPressure: relax, readOnlyPressure: ro } = o;
  if (shed !== undefined && relax !== undefined && relax <= shed) {
    out.push({ path: 'overload.relaxedPressure', message: `must be above overload.sheddingPressure (${shed}); got ${relax} (levels are entered in order: shedding, relaxed, read-only)` });
  }
  if (relax !== undefined && ro !== undefined && ro <= relax) {
    out.push({ path: 'overload.readOnlyPressure', message: `must be above overload.relaxedPressure (${relax}); got ${ro} (set overload.maxLevel to "relaxed" to never go read-only)` });
  }
  return out;
}

/**
 * requestAuth "shared" needs verdicts in the votes, which only PBFT's PREPAREs carry
 * (src/pbft/verdicts.ts); a HotStuff cluster would order unverified requests.
 */
function checkRequestAuth(rawProtocol: unknown, rawAuth: unknown): ConfigError[] {
  if (rawAuth !== 'shared' || rawProtocol === undefined || rawProtocol === 'pbft') return [];
  return [{ path: 'requestAuth', message: `"shared" works with protocol "pbft" only (its PREPAREs carry the verdicts); use "signature" or "mac" with protocol ${JSON.stringify(rawProtocol)}` }];
}

function checkCross(raw: Record<string, unknown>): ConfigError[] {
  return [...checkProtocol(raw['protocol']), ...checkRequestAuth(raw['protocol'], raw['requestAuth']), ...checkReplicas(raw['replicas']), ...checkParams(raw['protocol'], raw['params'], raw['limits']), ...checkOverload(raw['overload'])];
}

/** Sort key grouping errors by top-level field, then by array index (the sort is stable). */
function pathOrder(path: string): [number, number] {
  const m = /^([A-Za-z]+)(?:\[(\d+)\])?/.exec(path);
  const top = m === null ? -1 : KNOWN_FIELDS.root.indexOf(m[1]!);
  return [top < 0 ? KNOWN_FIELDS.root.length : top, m?.[2] === undefined ? -1 : Number(m[2])];
}

function byPath(a: ConfigError, b: ConfigError): number {
  const [ta, ia] = pathOrder(a.path);
  const [tb, ib] = pathOrder(b.path);
  return ta - tb || ia - ib;
}

type ProtocolDefault = keyof (typeof PROTOCOL_DEFAULTS)[string];

/** `field` at the protocol's own default (PROTOCOL_DEFAULTS) when the file's section leaves it out; else nothing. */
function protocolDefault<F extends ProtocolDefault>(rawProtocol: unknown, rawSection: unknown, field: F): Partial<Record<F, number>> {
  const d = typeof rawProtocol === 'string' && Object.hasOwn(PROTOCOL_DEFAULTS, rawProtocol) ? PROTOCOL_DEFAULTS[rawProtocol] : undefined;
  if (d === undefined || (isRecord(rawSection) && rawSection[field] !== undefined)) return {};
  return { [field]: d[field] } as Partial<Record<F, number>>;
}

/** Validates a parsed JSON value; every problem is reported, not just the first. */
export function parseClusterConfig(raw: unknown): Result<ClusterConfig, ConfigError[]> {
  if (!isRecord(raw)) return err([{ path: '(top level)', message: 'must be a JSON object ({ "version": 1, ... })' }]);
  const parsed = clusterConfigSchema.safeParse(raw);
  const errors = [...(parsed.success ? [] : fromZod(parsed.error.issues)), ...checkCross(raw)];
  if (errors.length > 0 || !parsed.success) return err(errors.sort(byPath));
  const d = parsed.data;
  return ok({
    ...d,
    params: { ...d.params, ...protocolDefault(raw['protocol'], raw['params'], 'checkpointInterval') },
    proofs: { ...d.proofs, ...protocolDefault(raw['protocol'], raw['proofs'], 'retainCheckpoints') },
    clusterId: d.clusterId ?? defaultClusterId(sha256, replicaPublicKeys(d)),
  });
}

/**
 * The signing domain of a cluster's replicas and clients: its cluster id, epoch 0 (reconfiguration
 * will move epochs) and its protocol (src/wire/domain.ts).
 */
export function clusterDomain(config: ClusterConfig): SigningDomain {
  return signingDomain(config.clusterId, INITIAL_EPOCH, config.protocol);
}

/** The adaptive request timeout's lower bound when the config gives none (fast failover on a LAN, TOCS '02 §4.4). */
export const DEFAULT_MIN_REQUEST_TIMEOUT_MS = 100;

/** Converts milliseconds to ticks, rounding up, at least 1. */
export function msToTicks(ms: number, tickMs: number): number {
  return Math.max(1, Math.ceil(ms / tickMs));
}

/** The protocol parameters in ticks, protocol-neutral (each module maps them onto its own). */
export function engineParamsFromConfig(p: ConfigParams): EngineParams {
  return {
    batchMaxRequests: p.batchMaxRequests,
    batchMaxBytes: p.batchMaxBytes,
    batchTimeoutTicks: msToTicks(p.batchTimeoutMs, p.tickMs),
    windowSize: p.windowSize,
    checkpointInterval: p.checkpointInterval,
    requestTimeoutTicks: msToTicks(p.requestTimeoutMs, p.tickMs),
    minRequestTimeoutTicks: msToTicks(p.minRequestTimeoutMs ?? Math.min(DEFAULT_MIN_REQUEST_TIMEOUT_MS, p.requestTimeoutMs), p.tickMs),
    timeoutLatencyFactor: p.timeoutLatencyFactor,
    slowPrimaryPercent: p.slowPrimaryPercent,
    slowPrimaryRaisePercent: p.slowPrimaryRaisePercent,
    slowPrimaryMaxPercent: p.slowPrimaryMaxPercent,
    slowPrimaryPeriodTicks: msToTicks(p.slowPrimaryPeriodMs, p.tickMs),
    slowPrimaryGraceTicks: msToTicks(p.slowPrimaryGraceMs, p.tickMs),
    leaderLinkGraceTicks: p.leaderLinkGraceMs === 0 ? 0 : msToTicks(p.leaderLinkGraceMs, p.tickMs),
    fastCommit: p.fastCommit,
    retransmitTicks: msToTicks(p.retransmitMs, p.tickMs),
    maxPendingPerClient: p.maxPendingPerClient,
    maxClients: p.maxClients,
    maxStateBytesPerClient: p.maxStateBytesPerClient,
    maxRequestBytesPerWindow: p.maxRequestBytesPerWindow,
    quotaWindowSeqs: p.quotaWindowSeqs,
    ...(p.replyDigestMinBytes === 0 ? {} : { replyDigestMinBytes: p.replyDigestMinBytes }),
  };
}

/** Replica public keys indexed by replica id (validated by the schema). */
export function replicaPublicKeys(config: Pick<ClusterConfig, 'replicas'>): PublicKey[] {
  return config.replicas.map((r) => {
    const raw = fromHex(r.publicKey);
    assert(raw?.length === 32, 'schema guarantees 64 hex characters');
    return publicKey(raw);
  });
}
