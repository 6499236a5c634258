// Set-up for the e2e suite and `npm run lab`, run by test/setup/bootstrap.mjs: code-server in its
// cache dir. (Debian's chromium, needed by the e2e suite only, comes from the bootstrap's apt step.)
import { existsSync } from 'node:fs';
import { ensureCodeServer } from '../lab/code-server';

if (!process.argv.includes('--no-browser') && !existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) {
  console.error('[setup] the e2e suite needs Chromium: apt-get install -y chromium');
  process.exit(1);
}
try {
  ensureCodeServer((m) => console.error(`[setup] ${m}`));
} catch (err) {
  console.error(`[setup] ${(err as Error).message}`);
  process.exit(1);
}
