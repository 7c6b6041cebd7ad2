// The built-in KV store as an app module (`byz bench --app bench/apps/kv.ts`): the same app the
// replicas run by default, loaded and guarded the way `--app` loads any module, so that a comparison
// with bench/apps/kv-plain.ts differs only in the state root.

import { defineApp } from '../../src/app/index.ts';
import { createKvApp } from '../../src/app/kv.ts';

export default defineApp(createKvApp);
