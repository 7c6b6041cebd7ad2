// The human report of `byz validate` and its progress display (stderr: which gate, elapsed time).

import type { Gate, Report, Verdict } from './types.ts';

const LABEL: Readonly<Record<Verdict, string>> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

export function formatGate(g: Gate): string {
  return `  ${LABEL[g.verdict]}  ${g.id.padEnd(24)} ${g.measured}   [${g.threshold}]\n        ${g.reason}`;
}

export function formatReport(r: Report): string {
  const head = `byz validate ${r.config}${r.n === null ? '' : ` (n=${r.n}, f=${r.f})`}, ${r.quick ? 'quick run (--quick)' : 'full run'}, ${(r.elapsedMs / 1000).toFixed(1)} s`;
  const lines = [head, ''];
  for (const section of ['config', 'sim', 'cluster'] as const) {
    const gs = r.gates.filter((g) => g.section === section);
    if (gs.length === 0) continue;
    lines.push(`${section}:`, ...gs.map(formatGate));
  }
  const warns = r.gates.filter((g) => g.verdict === 'warn').length;
  lines.push('');
  if (r.verdict === 'GO') lines.push(`GO: no gate failed${warns > 0 ? ` (${warns} warning${warns > 1 ? 's' : ''} above)` : ''}`);
  else lines.push(`NO-GO: ${r.reasons.length} gate${r.reasons.length > 1 ? 's' : ''} failed`, ...r.reasons.map((x) => `  - ${x}`));
  return lines.join('\n');
}

export interface ProgressDisplay {
  phase(title: string, detail: string): void;
  sweep(title: string, done: number, total: number, failures: number): void;
  gateDone(g: Gate): void;
  end(): void;
}

/** On a terminal one line rewritten in place (and a line per finished gate); elsewhere a line per event. */
export function progressDisplay(out: NodeJS.WriteStream, started = performance.now()): ProgressDisplay {
  const tty = out.isTTY;
  let current = '';
  const stamp = (): string => `[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s]`;
  const draw = (): void => {
    if (tty) out.write(`\r\x1b[K${stamp()} ${current}`);
  };
  const timer = tty ? setInterval(draw, 500) : undefined;
  timer?.unref();
  const line = (text: string): void => {
    if (tty) out.write(`\r\x1b[K${text}\n`);
    else out.write(`${text}\n`);
  };
  return {
    phase(title, detail) {
      current = `${title}: ${detail}`;
      if (tty) draw();
      else line(`${stamp()} ${current}`);
    },
    sweep(title, done, total, failures) {
      current = `${title}: ${done}/${total} seeds, ${failures} failed`;
      if (tty) draw();
      else if (done === total || done % Math.max(1, Math.floor(total / 4)) === 0) line(`${stamp()} ${current}`);
    },
    gateDone(g) {
      line(`${stamp()} ${LABEL[g.verdict]} ${g.id}: ${g.measured}`);
      if (tty) draw();
    },
    end() {
      if (timer !== undefined) clearInterval(timer);
      if (tty) out.write('\r\x1b[K');
    },
  };
}
