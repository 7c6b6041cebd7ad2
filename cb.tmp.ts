import { runCoreBench } from '/work/main/src/bench/core-bench.ts';
for (const crypto of ['ed25519', 'sim'] as const) for (const clients of [1, 16, 256]) {
  const r = runCoreBench({ n: 4, clients, ops: crypto === 'sim' ? 20000 : 3000, payload: 0, crypto });
  console.log(crypto, clients, JSON.stringify({ ...r, us: Object.fromEntries(Object.entries(r.us).map(([k, v]) => [k, Math.round(v)])) }));
}
