// Mocha global fixtures for the e2e suite: the lab (as for the integration suite), the packaged .vsix,
// and code-server with the extension installed and configured for the lab. Tests read what they
// need with playground() and drive it with Workbench (test/e2e/workbench.ts).
import { join } from 'node:path';
import { mochaGlobalSetup as labSetup, mochaGlobalTeardown as labTeardown } from '../integration/hooks.ts';
import { readState } from '../lab/lab.ts';
import { labHome } from '../lab/paths.ts';
import { packageExtension, startPlayground, type Playground } from '../lab/playground.ts';
import { freePort, stopPid } from '../lab/proc.ts';

const ENV_KEY = 'SOCK_SHOP_E2E_PLAYGROUND';

export async function mochaGlobalSetup(): Promise<void> {
  await labSetup();
  try {
    const t0 = Date.now();
    const vsix = packageExtension((m) => process.stderr.write(`[e2e] ${m}\n`));
    const state = readState();
    if (!state) throw new Error('the lab did not record its state');
    const pg = await startPlayground(state, { port: await freePort(), dir: join(labHome(), 'e2e'), vsix });
    process.env[ENV_KEY] = JSON.stringify(pg);
    process.stderr.write(`[e2e] code-server with the extension at ${pg.url} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  } catch (err) {
    // Mocha skips the global teardown when the setup throws: take down the lab this run started.
    await labTeardown();
    throw err;
  }
}

export async function mochaGlobalTeardown(): Promise<void> {
  const raw = process.env[ENV_KEY];
  if (raw) await stopPid((JSON.parse(raw) as Playground).pid);
  await labTeardown();
}

export function playground(): Playground {
  const raw = process.env[ENV_KEY];
  if (!raw) throw new Error('the e2e playground is not running (test/e2e/hooks.ts starts it)');
  return JSON.parse(raw) as Playground;
}
