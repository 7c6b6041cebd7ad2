// The batches of an audit trail folder (docs/AUDIT.md), seq → digest, for comparing what replicas
// executed. A seq executed twice (a restart re-executes from its snapshot) must name the same digest.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function auditBatches(dir: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const seg of readdirSync(dir).filter((n) => n.startsWith('segment-')).sort()) {
    for (const line of readFileSync(join(dir, seg), 'utf8').split('\n')) {
      if (!line.includes('"type":"batch"')) continue;
      let rec: { seq: number; digest: string };
      try {
        rec = JSON.parse(line) as { seq: number; digest: string };
      } catch {
        continue; // a last line cut short by kill -9
      }
      const old = out.get(rec.seq);
      if (old !== undefined && old !== rec.digest) throw new Error(`${dir}: seq ${rec.seq} executed as ${old} and as ${rec.digest}`);
      out.set(rec.seq, rec.digest);
    }
  }
  return out;
}
