// Compares everything a replica signed across its lives (sent-message logs written before each send):
// a correct replica never signs two different pre-prepares, prepares or commits for one (view, seq),
// nor two different checkpoint digests for one seq (TOCS '02 §4.2–4.3; SPEC D2).

import { readFileSync } from 'node:fs';
import { fromHex } from '../../src/core/ids.ts';
import { decodeMessage } from '../../src/wire/codec.ts';

export interface Contradiction {
  readonly key: string;
  readonly first: string;
  readonly second: string;
}

export function findContradictions(logText: string): { messages: number; contradictions: Contradiction[] } {
  const seen = new Map<string, string>();
  const contradictions: Contradiction[] = [];
  let messages = 0;
  for (const line of logText.split('\n')) {
    if (line.length === 0) continue;
    const bytes = fromHex(line);
    if (bytes === undefined) continue; // a line cut short by kill -9
    const d = decodeMessage(bytes);
    if (!d.ok) continue;
    messages++;
    const m = d.value;
    let key: string | undefined;
    let value = '';
    if (m.type === 'pre-prepare' || m.type === 'prepare' || m.type === 'commit') {
      key = `${m.type} v=${m.view} n=${m.seq}`;
      value = m.digest;
    } else if (m.type === 'checkpoint') {
      key = `checkpoint n=${m.seq}`;
      value = m.stateDigest;
    }
    if (key === undefined) continue;
    const prev = seen.get(key);
    if (prev === undefined) seen.set(key, value);
    else if (prev !== value) contradictions.push({ key, first: prev, second: value });
  }
  return { messages, contradictions };
}

export function contradictionsInFile(path: string): { messages: number; contradictions: Contradiction[] } {
  return findContradictions(readFileSync(path, 'utf8'));
}
