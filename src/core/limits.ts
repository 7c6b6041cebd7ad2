// Every bound in one place (TigerBeetle habit: every queue and buffer has a named maximum).
// docs/LIMITS.md lists them; changing one here is a protocol-level decision.

/** Largest encoded message accepted from the wire (frame payload). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Largest client operation payload. */
export const MAX_OP_BYTES = 64 * 1024;
/** Largest application result carried in a reply. */
export const MAX_RESULT_BYTES = 1024 * 1024;
/** Most requests in one batch (pre-prepare). */
export const MAX_BATCH_REQUESTS = 4096;
/** Most entries in any certificate/array field of a message (checkpoint proofs, prepared sets…). */
export const MAX_ARRAY_ITEMS = 65_536;
/** Largest state-transfer chunk. */
export const MAX_CHUNK_BYTES = 1024 * 1024;
/** Most replicas in a cluster. */
export const MAX_REPLICAS = 256;
/** Most requests a replica keeps queued waiting to be ordered (primary) or watched (backup). */
export const MAX_PENDING_REQUESTS = 100_000;
/** Largest view or sequence number (safe integer range). */
export const MAX_COUNTER = Number.MAX_SAFE_INTEGER;
