// Per-replica response-time statistics of a client (issue 18 item 6; seed 002's health monitoring).
// Every replica executes a request and answers the client itself (TOCS '02 §4.1), so each request
// measures every replica against the quorum: the client accepts a result at f+1 matching replies,
// and a correct replica in step answers within a small multiple of that. A replica that answers
// later than
//
//   bound = max(LAG_FACTOR × quorum time, quorum time + LAG_SLACK_MS)
//
// (or not at all) is *late* for that request. Per replica the tracker keeps
//  - answered / late counts, and a smoothed response time (RFC 6298's SRTT gain, 1/8) over every
//    answer within KEEP_MS, late ones included;
//  - a lag score: the smoothed fraction of recent requests it was late for (gain 1/8);
//  - a suspicion with hysteresis: raised at score ≥ SUSPECT_SCORE after MIN_VERDICTS verdicts,
//    cleared below CLEAR_SCORE.
// The verdict on the replica a request went to first (the primary) feeds that replica's circuit
// breaker (src/client/session.ts): a primary that answers late or not at all counts as a failure,
// like one that let the retransmission timer fire. What this cannot see is a primary that is slow
// for everyone (Aardvark's slow primary): all replicas then answer late together, the quorum time
// grows with them, and that is the replicas' slow-primary detector's job (docs/PROTOCOL.md §10).
// Pure: time arrives as milliseconds from the caller.

/** A replica is late when it answers after this multiple of the quorum time … */
export const LAG_FACTOR = 3;
/** … and at least this many ms after the quorum (absorbs the jitter of very fast quorums). */
export const LAG_SLACK_MS = 25;
/** Gain of the smoothed response time and of the lag score (RFC 6298's α). */
const GAIN = 1 / 8;
/** Verdicts a replica needs before it can be suspected. */
export const MIN_VERDICTS = 8;
/** Lag score at which a replica becomes suspected, and below which the suspicion clears. */
export const SUSPECT_SCORE = 0.5;
export const CLEAR_SCORE = 0.25;
/** Requests kept for late answers (their times still count); older ones are judged and dropped as more start. */
const MAX_OPEN = 16;
/** Answers later than this after the request are not timed (the request is forgotten). */
export const KEEP_MS = 5_000;

/** What the client has measured about one replica. */
export interface ReplicaResponseStats {
  readonly replica: number;
  /** Requests it answered within the bound. */
  readonly answered: number;
  /** Requests it answered after the bound, or not at all. */
  readonly late: number;
  /** Smoothed response time in ms over every answer it sent (late ones too); undefined before the first. */
  readonly srttMs: number | undefined;
  /** Smoothed fraction of recent requests it was late for, 0–1. */
  readonly lagScore: number;
  /** Late for most recent requests: the client's suspicion of it. */
  readonly suspected: boolean;
}

interface Replica {
  answered: number;
  late: number;
  srttMs: number | undefined;
  lagScore: number;
  suspected: boolean;
}

interface OpenRequest {
  readonly reqNo: number;
  readonly sentMs: number;
  /** The replica it went to first, or undefined when it went to all at once. */
  readonly first: number | undefined;
  /** When each replica answered (ms since sent), undefined while it has not. */
  readonly answerMs: (number | undefined)[];
  /** Set when f+1 matching replies were accepted: the deadline of the verdict. */
  deadlineMs: number | undefined;
  quorumMs: number;
  /** The first target's verdict was given. */
  firstJudged: boolean;
  /** Every replica's on-time-or-late verdict was counted. */
  judged: boolean;
}

export interface ResponseTracker {
  readonly replicas: Replica[];
  readonly open: OpenRequest[];
}

/** A change the caller acts on: the first target's verdict (for its breaker) or a suspicion change (for logs). */
export type ResponseEvent =
  | { readonly type: 'first-target'; readonly reqNo: number; readonly replica: number; readonly onTime: boolean }
  | { readonly type: 'suspected'; readonly replica: number; readonly lagScore: number }
  | { readonly type: 'cleared'; readonly replica: number; readonly lagScore: number };

export function createResponseTracker(n: number): ResponseTracker {
  return {
    replicas: Array.from({ length: n }, () => ({ answered: 0, late: 0, srttMs: undefined, lagScore: 0, suspected: false })),
    open: [],
  };
}

/** The bound past which an answer is late, given the quorum time (both in ms). */
export function lagBoundMs(quorumMs: number): number {
  return Math.max(LAG_FACTOR * quorumMs, quorumMs + LAG_SLACK_MS);
}

/** A request was sent (`first`: the replica it went to first; undefined: to every replica at once). */
export function requestSent(t: ResponseTracker, reqNo: number, nowMs: number, first: number | undefined): ResponseEvent[] {
  const events: ResponseEvent[] = [];
  // Bounded: the oldest request is judged (if it was not yet) and forgotten.
  while (t.open.length >= MAX_OPEN) forget(t, t.open[0]!, events);
  t.open.push({ reqNo, sentMs: nowMs, first, answerMs: t.replicas.map(() => undefined), deadlineMs: undefined, quorumMs: 0, firstJudged: false, judged: false });
  return events;
}

/** A replica answered request reqNo (once per replica counts; unknown requests are ignored). */
export function answerReceived(t: ResponseTracker, reqNo: number, replica: number, nowMs: number): ResponseEvent[] {
  const req = t.open.find((r) => r.reqNo === reqNo);
  const rep = t.replicas[replica];
  if (req === undefined || rep === undefined || req.answerMs[replica] !== undefined) return [];
  const ms = Math.max(0, nowMs - req.sentMs);
  req.answerMs[replica] = ms;
  rep.srttMs = rep.srttMs === undefined ? ms : rep.srttMs + GAIN * (ms - rep.srttMs);
  const events: ResponseEvent[] = [];
  // The first target's verdict is known as soon as it answers in time (the usual case: at once).
  if (req.deadlineMs !== undefined && replica === req.first && ms <= lagBoundMs(req.quorumMs)) firstVerdict(req, events);
  return events;
}

/** The client accepted request reqNo's result: the quorum time is known and the verdict is due at the bound. */
export function resultAccepted(t: ResponseTracker, reqNo: number, nowMs: number): ResponseEvent[] {
  const req = t.open.find((r) => r.reqNo === reqNo);
  if (req === undefined || req.deadlineMs !== undefined) return [];
  req.quorumMs = Math.max(0, nowMs - req.sentMs);
  req.deadlineMs = req.sentMs + lagBoundMs(req.quorumMs);
  const events: ResponseEvent[] = [];
  const first = req.first === undefined ? undefined : req.answerMs[req.first];
  if (first !== undefined) firstVerdict(req, events);
  return events;
}

/** The request was given up (aborted, timed out): no quorum time, so no verdict on anyone. */
export function requestAbandoned(t: ResponseTracker, reqNo: number): void {
  const i = t.open.findIndex((r) => r.reqNo === reqNo);
  if (i >= 0) t.open.splice(i, 1);
}

/** Judges every accepted request whose bound has passed and forgets those older than KEEP_MS; called on the client's tick. */
export function judgeDue(t: ResponseTracker, nowMs: number): ResponseEvent[] {
  const events: ResponseEvent[] = [];
  for (const req of [...t.open]) {
    if (req.deadlineMs !== undefined && nowMs >= req.deadlineMs) judge(t, req, events);
    if (req.judged && nowMs - req.sentMs > KEEP_MS) forget(t, req, events);
  }
  return events;
}

export function responseStats(t: ResponseTracker): ReplicaResponseStats[] {
  return t.replicas.map((r, replica) => ({ replica, answered: r.answered, late: r.late, srttMs: r.srttMs, lagScore: r.lagScore, suspected: r.suspected }));
}

function firstVerdict(req: OpenRequest, events: ResponseEvent[]): void {
  if (req.firstJudged || req.first === undefined) return;
  const ms = req.answerMs[req.first];
  events.push({ type: 'first-target', reqNo: req.reqNo, replica: req.first, onTime: ms !== undefined && ms <= lagBoundMs(req.quorumMs) });
  req.firstJudged = true;
}

/** Drops a request, judging it first if it was accepted and not judged yet. */
function forget(t: ResponseTracker, req: OpenRequest, events: ResponseEvent[]): void {
  judge(t, req, events);
  t.open.splice(t.open.indexOf(req), 1);
}

/** Every replica is on time or late for an accepted request (once); an unaccepted one is not judged. */
function judge(t: ResponseTracker, req: OpenRequest, events: ResponseEvent[]): void {
  if (req.judged || req.deadlineMs === undefined) return;
  req.judged = true;
  firstVerdict(req, events);
  const bound = lagBoundMs(req.quorumMs);
  req.answerMs.forEach((ms, i) => {
    const rep = t.replicas[i]!;
    const late = ms === undefined || ms > bound;
    if (late) rep.late++;
    else rep.answered++;
    rep.lagScore += GAIN * ((late ? 1 : 0) - rep.lagScore);
    const verdicts = rep.answered + rep.late;
    if (!rep.suspected && verdicts >= MIN_VERDICTS && rep.lagScore >= SUSPECT_SCORE) {
      rep.suspected = true;
      events.push({ type: 'suspected', replica: i, lagScore: rep.lagScore });
    } else if (rep.suspected && rep.lagScore < CLEAR_SCORE) {
      rep.suspected = false;
      events.push({ type: 'cleared', replica: i, lagScore: rep.lagScore });
    }
  });
}
