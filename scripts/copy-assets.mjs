// Copies the non-TypeScript files the compiled code reads at runtime from src/ into dist/ (run by
// `npm run build` after tsc): today the status page, src/status/page.html.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ASSETS = ['status/page.html'];
const outDir = process.argv[2] ?? 'dist';
for (const a of ASSETS) {
  mkdirSync(dirname(join(outDir, a)), { recursive: true });
  copyFileSync(join('src', a), join(outDir, a));
}
