// Protocol-neutral parameters in ticks and counts, as the cluster config gives them (src/config
// converts milliseconds to ticks). A protocol module maps them onto its own (src/engine/module.ts).

export interface EngineParams {
  /** A batch closes when it holds this many requests (TOCS '02 §5.1.4, batching). */
  readonly batchMaxRequests: number;
  /** …or this many bytes of ops. */
  readonly batchMaxBytes: number;
  /** …or when its oldest request has waited this many ticks while another batch is in flight. */
  readonly batchTimeoutTicks: number;
  /** How far ordering may run ahead of the last stable checkpoint (PBFT's L, TOCS '02 §4.2). */
  readonly windowSize: number;
  /** A checkpoint of the service state every K sequence numbers (TOCS '02 §4.3). */
  readonly checkpointInterval: number;
  /**
   * A replica waiting this long for a request to execute suspects the leader (TOCS '02 §4.4). A
   * protocol that adapts its timeout to measured latency takes this as the upper bound.
   */
  readonly requestTimeoutTicks: number;
  /**
   * Lower bound of an adaptive request timeout (absent: the protocol's default). Equal to
   * requestTimeoutTicks, it turns adaptation off.
   */
  readonly minRequestTimeoutTicks?: number;
  /** An adaptive request timeout is this multiple of the smoothed request→commit latency (absent: the protocol's default). */
  readonly timeoutLatencyFactor?: number;
  /**
   * The slow-primary detector (Aardvark, NSDI '09 §4.3; src/pbft/slow-primary.ts), absent: the
   * protocol's defaults. A backup expects the primary to execute at least slowPrimaryPercent % of the
   * highest median per-period throughput of recent views (0 turns the detector off), the requirement
   * raised by slowPrimaryRaisePercent points per checked period up to slowPrimaryMaxPercent (100
   * while no earlier view is known), measured over periods of slowPrimaryPeriodTicks, not checked
   * for slowPrimaryGraceTicks after a NEW-VIEW.
   */
  readonly slowPrimaryPercent?: number;
  readonly slowPrimaryRaisePercent?: number;
  readonly slowPrimaryMaxPercent?: number;
  readonly slowPrimaryPeriodTicks?: number;
  readonly slowPrimaryGraceTicks?: number;
  /**
   * A replica whose link to the current leader goes down (the shell's `peers` input) suspects the
   * leader once the link has stayed down this many ticks, as an expired request timer would
   * (src/protocol/leader-link.ts); absent: the protocol's default; 0: links are ignored.
   */
  readonly leaderLinkGraceTicks?: number;
  /**
   * Commit with a matching vote from every replica, one phase early (the all-n fast path; absent:
   * the protocol's default). PBFT: PREPAREs from all backups (docs/PROTOCOL.md §11).
   */
  readonly fastCommit?: boolean;
  /** Own protocol messages for an unfinished sequence number are re-sent after this many ticks. */
  readonly retransmitTicks: number;
  /** Most requests one client may have queued at a replica (SPEC B4). */
  readonly maxPendingPerClient: number;
  /** Most clients in the replicated client table; the least recently served one is evicted. */
  readonly maxClients: number;
  /** Per-client quotas of the service (src/service/quota.ts); absent: not enforced. */
  readonly maxStateBytesPerClient?: number;
  readonly maxRequestBytesPerWindow?: number;
  readonly quotaWindowSeqs?: number;
  /** Digest replies for results of at least this many bytes (src/service/reply.ts); absent: off. */
  readonly replyDigestMinBytes?: number;
}
