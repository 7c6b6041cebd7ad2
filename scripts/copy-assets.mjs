// Copies the non-TypeScript files the compiled code reads at runtime from src/ into dist/ (run by
// `npm run build` after tsc): the status page, src/status/page.html; and bundles the light client
// for browsers (esbuild, a dev dependency: builds happen where dev dependencies are installed) into
// dist/light-client/browser.js, which the gateway's proof-checking page serves (src/gateway/verify-page.ts).
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ASSETS = ['status/page.html'];
const outDir = process.argv[2] ?? 'dist';
for (const a of ASSETS) {
  mkdirSync(dirname(join(outDir, a)), { recursive: true });
  copyFileSync(join('src', a), join(outDir, a));
}

const { build } = await import('esbuild');
await build({
  entryPoints: [join('src', 'light-client', 'index.ts')],
  outfile: join(outDir, 'light-client', 'browser.js'),
  bundle: true,
  format: 'iife',
  globalName: 'byzLightClient',
  platform: 'browser',
  minify: true,
  logLevel: 'warning',
});
