// Set-up for the e2e suite and `npm run lab`, run by test/setup/bootstrap.mjs: code-server in its
// cache dir. (Debian's chromium, needed by the e2e suite only, comes from the bootstrap's apt step.)
// The cache dir is shared by every checkout on the machine: one install at a time, under a lock file, so
// a second set-up waits instead of wiping the first one's half-done install.
import { existsSync } from 'node:fs';
import { codeServerHome, ensureCodeServer } from '../lab/code-server';
import { withFileLock } from '../lab/proc';

if (!process.argv.includes('--no-browser') && !existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) {
  console.error('[setup] the e2e suite needs Chromium: apt-get install -y chromium');
  process.exit(1);
}
const log = (m: string) => console.error(`[setup] ${m}`);
withFileLock(`${codeServerHome()}.lock`, 'code-server install', log, async () => ensureCodeServer(log)).catch((err: Error) => {
  log(err.message);
  process.exit(1);
});
