// Tunable thresholds of the accountability layer (SPEC C1–C4), in ticks and score points. All are
// local decisions of one replica: they change what it suspects, never what it can prove. See
// docs/ACCOUNTABILITY.md for how they fit together.

/** Unprovable symptoms that feed a peer's suspicion score (SPEC C2). */
export type Symptom =
  /** We started a view change leaving a view whose primary was the peer (TOCS '02 §4.4, §4.5.2). */
  | 'timeout-as-primary'
  /** A message on the peer's authenticated link failed signature or batch-digest checks. */
  | 'bad-signature'
  /** A message on the peer's authenticated link did not decode, or broke a bound. */
  | 'malformed'
  /** A message on the peer's link claimed another sender, or a non-member id. */
  | 'sender-mismatch'
  /** The peer exceeded its rate limit (SPEC B4). */
  | 'flood'
  /** The shell saw the peer withhold something it owed (e.g. answers it never sent). */
  | 'withholding'
  /** The peer sent an evidence message whose proof does not hold. */
  | 'invalid-evidence'
  /** The core rejected a message of the peer as a protocol fault (a 'reject' drop reason). */
  | 'protocol-violation';

export const SYMPTOMS: readonly Symptom[] = [
  'timeout-as-primary', 'bad-signature', 'malformed', 'sender-mismatch', 'flood', 'withholding', 'invalid-evidence',
  'protocol-violation',
];

/** Score points per symptom. One view-change timeout is not enough to suspect a primary; two are. */
export const DEFAULT_SYMPTOM_WEIGHTS: Readonly<Record<Symptom, number>> = {
  'timeout-as-primary': 30,
  'bad-signature': 25,
  malformed: 10,
  'sender-mismatch': 25,
  flood: 5,
  withholding: 20,
  'invalid-evidence': 40,
  'protocol-violation': 10,
};

/** Highest suspicion score. */
export const MAX_SCORE = 100;

export interface AccountabilityParams {
  /** A peer whose score reaches this is Suspected (SPEC C2). */
  readonly suspectThreshold: number;
  /** A peer whose score reaches this (but not suspectThreshold) is "watched": threat level Medium. */
  readonly watchThreshold: number;
  /** Every score loses one point every this many ticks (0 … MAX_SCORE). */
  readonly decayEveryTicks: number;
  /** A peer we have not heard from while we made progress for this many ticks is Offline. */
  readonly offlineAfterTicks: number;
  /** Signed statements the detector remembers per signer (oldest forgotten first). */
  readonly maxStatementsPerSigner: number;
  /** NEW-VIEWs the detector remembers per signer (lowest view forgotten first). */
  readonly maxNewViewsPerSigner: number;
  /** VIEW-CHANGE / NEW-VIEW signatures remembered as already checked by the rules. */
  readonly checkedCacheSize: number;
  readonly symptomWeights: Readonly<Record<Symptom, number>>;
}

/** Defaults, sized for the node's 10 ms tick (400-tick request timeout): decay 100 → 0 in 5,000 ticks. */
export const DEFAULT_ACCOUNTABILITY_PARAMS: AccountabilityParams = {
  suspectThreshold: 50,
  watchThreshold: 20,
  decayEveryTicks: 50,
  offlineAfterTicks: 1000,
  maxStatementsPerSigner: 4096,
  maxNewViewsPerSigner: 2,
  checkedCacheSize: 1024,
  symptomWeights: DEFAULT_SYMPTOM_WEIGHTS,
};

/** Returns a list of problems (empty when the parameters are usable). */
export function validateAccountabilityParams(p: AccountabilityParams): string[] {
  const problems: string[] = [];
  const positive = (name: string, v: number): void => {
    if (!Number.isSafeInteger(v) || v < 1) problems.push(`${name} must be a positive integer (got ${v})`);
  };
  positive('suspectThreshold', p.suspectThreshold);
  positive('watchThreshold', p.watchThreshold);
  positive('decayEveryTicks', p.decayEveryTicks);
  positive('offlineAfterTicks', p.offlineAfterTicks);
  positive('maxStatementsPerSigner', p.maxStatementsPerSigner);
  positive('maxNewViewsPerSigner', p.maxNewViewsPerSigner);
  positive('checkedCacheSize', p.checkedCacheSize);
  if (p.suspectThreshold > MAX_SCORE) problems.push(`suspectThreshold must be ≤ ${MAX_SCORE}`);
  if (p.watchThreshold > p.suspectThreshold) problems.push('watchThreshold must be ≤ suspectThreshold');
  for (const s of SYMPTOMS) {
    const w = p.symptomWeights[s];
    if (!Number.isSafeInteger(w) || w < 0 || w > MAX_SCORE) problems.push(`symptomWeights.${s} must be an integer in 0..${MAX_SCORE}`);
  }
  return problems;
}
