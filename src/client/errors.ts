// Errors a client of the cluster sees (SPEC D4, issue #4 item 6): one class, one code per cause, and
// a message that says what happened in words an operator can act on.

/**
 * - no-proof:   no replica gave a valid proof of what was asked (none certified yet: proofs exist at
 *               stable checkpoints; or the answers did not verify); docs/CLIENT.md "Proofs".
 * - no-quorum:  fewer than f+1 replicas were reachable, so no result could be trusted.
 * - timeout:    replicas were reachable but f+1 matching replies did not arrive in time; the
 *               operation may still take effect later.
 * - rejected:   the replicas agreed the operation is invalid (the app answered bad-op).
 * - closed:     the client was closed before or during the operation.
 * - bad-request: the operation was refused locally (key or value too large, bad argument).
 * - overloaded: too many operations were already queued on this client.
 */
export const CLIENT_ERROR_CODES = ['no-quorum', 'timeout', 'rejected', 'closed', 'bad-request', 'overloaded', 'no-proof'] as const;
/** Why an operation failed: one of {@link CLIENT_ERROR_CODES}. */
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

/** The one error class the client throws; `code` says why, the message says it in words. */
export class ByzClientError extends Error {
  readonly code: ClientErrorCode;

  constructor(code: ClientErrorCode, message: string) {
    super(message);
    this.name = 'ByzClientError';
    this.code = code;
  }
}

/** Whether `e` is a {@link ByzClientError}. */
export const isByzClientError = (e: unknown): e is ByzClientError => e instanceof ByzClientError;
