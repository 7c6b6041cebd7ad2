// Every bound in one place (TigerBeetle habit: every queue and buffer has a named maximum).
// docs/LIMITS.md lists them; changing one here is a protocol-level decision.

/** Largest encoded message accepted from the wire (frame payload). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Largest client operation payload. */
export const MAX_OP_BYTES = 64 * 1024;
/** Largest application result carried in a reply. */
export const MAX_RESULT_BYTES = 1024 * 1024;
/**
 * Bytes before the app's result in a read-only reply (TOCS '02 §5.1.3): the sequence number of the
 * state the replica read, u64 big-endian, so that a client's 2f+1 matching replies come from one
 * state (src/service/read.ts, docs/PROTOCOL.md §5.2). An app's read result is at most
 * MAX_RESULT_BYTES − READ_STATE_BYTES.
 */
export const READ_STATE_BYTES = 8;
/** Most requests in one batch (pre-prepare). */
export const MAX_BATCH_REQUESTS = 4096;
/** Most entries in any certificate/array field of a message (checkpoint proofs, prepared sets…). */
export const MAX_ARRAY_ITEMS = 65_536;
/** Largest state-transfer chunk. */
export const MAX_CHUNK_BYTES = 1024 * 1024;
/** Most replicas in a cluster. */
export const MAX_REPLICAS = 256;
/**
 * Bytes of one entry of a request's MAC authenticator (requestAuth "mac", src/wire/authenticator.ts):
 * HMAC-SHA-512 truncated to 256 bits (RFC 2104 §5: keep at least half the hash output).
 */
export const REQUEST_MAC_BYTES = 32;
/** Most requests a replica keeps queued waiting to be ordered (primary) or watched (backup). */
export const MAX_PENDING_REQUESTS = 100_000;
/** Largest view or sequence number (safe integer range). */
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER;
/** Longest key in the replica's durable store (LMDB's portable default MDB_MAXKEYSIZE; keys are ASCII). */
export const MAX_STORAGE_KEY_BYTES = 511;
/** Largest frame a client may send to a replica (one signed request: op plus envelope). */
export const MAX_CLIENT_FRAME_BYTES = MAX_OP_BYTES + 4096;
/** Most frames / bytes queued for one peer in the transport before new payloads are dropped. */
export const MAX_PEER_QUEUE_FRAMES = 16_384;
export const MAX_PEER_QUEUE_BYTES = 2 * MAX_MESSAGE_BYTES;
/** Most frames / bytes queued for one client connection (replies). */
export const MAX_CLIENT_QUEUE_FRAMES = 1024;
export const MAX_CLIENT_QUEUE_BYTES = 4 * MAX_RESULT_BYTES;
/** Most authenticated client connections one replica keeps open. */
export const MAX_CLIENT_CONNECTIONS = 1024;
/** Most inbound connections still in their handshake at once. */
export const MAX_PENDING_HANDSHAKES = 256;
/**
 * Deepest nesting of messages inside a message: evidence → new-view → view-change → prepared proof
 * → pre-prepare → request (a NEW-VIEW alone nests 4 deep).
 */
export const MAX_NESTING_DEPTH = 5;
/** Most messages of one type in an evidence message (a proof needs one or two, SPEC C1). */
export const MAX_EVIDENCE_ITEMS = 2;
/** Default number of verified signatures ingress remembers (so a signature is checked once). */
export const SIG_CACHE_ENTRIES = 16_384;
/** Most blocks in one HotStuff catch-up answer (hs-blocks). */
export const MAX_FETCH_BLOCKS = 64;

/**
 * The bytes of one unit of request cost. Admission (src/overload) and the slow-primary detector
 * (src/pbft/slow-primary.ts) measure work in these units, not in requests: a replica's cost of a
 * request grows with its size (receive, hash, verify, relay in a pre-prepare, persist, execute), and
 * counted per request a client sending 64 KiB ops would take twenty-odd times its fair share and
 * make an honest primary look slow (session 16, `byz bench --attack c:oversized`: a 64 KiB garbage
 * op cost about 20× a 64-byte put in replica CPU).
 */
export const REQUEST_COST_UNIT_BYTES = 4096;

/**
 * A request's cost in units: one, plus one per whole REQUEST_COST_UNIT_BYTES (a small request costs
 * 1). `bytes`: its op's, or its whole encoding's where only that is at hand (before decoding); the
 * envelope between the two is a few hundred bytes, under one unit.
 */
export function requestCost(bytes: number): number {
  return 1 + Math.floor(bytes / REQUEST_COST_UNIT_BYTES);
}
