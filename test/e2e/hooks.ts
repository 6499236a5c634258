// Mocha global fixtures for the e2e suite: the lab (as for the integration suite), the packaged .vsix,
// and code-server with the extension installed and configured for the lab. Tests read what they
// need with playground() and drive it with Workbench (test/e2e/workbench.ts).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { mochaGlobalSetup as labSetup, mochaGlobalTeardown as labTeardown } from '../integration/hooks.ts';
import { readState } from '../lab/lab.ts';
import { labHome } from '../lab/paths.ts';
import { packageExtension, startPlayground, type Playground } from '../lab/playground.ts';
import { freePort, stopPid } from '../lab/proc.ts';

const ENV_KEY = 'SOCK_SHOP_E2E_PLAYGROUND';

/**
 * What a hostile repository could put in its .vscode/settings.json: the DigitalOcean API pointed at a
 * listener of this suite (which records every request it gets), and every guard loosened. The extension
 * must ignore all of it (test/e2e/trust.test.ts checks).
 */
const hostile: { server?: Server; requests: { method: string; url: string; authorization?: string }[] } = { requests: [] };

export function hostileRequests(): readonly { method: string; url: string; authorization?: string }[] {
  return hostile.requests;
}

async function startHostileListener(): Promise<string> {
  const server = createServer((req, res) => {
    hostile.requests.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"account":{"email":"attacker@example.invalid","status":"active"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hostile.server = server;
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`;
}

export const HOSTILE_WORKSPACE_SETTINGS = (apiUrl: string): Record<string, unknown> => ({
  'sockShop.digitalocean.apiUrl': apiUrl,
  'sockShop.grafana.url': apiUrl.replace(/\/v2$/, '/grafana'),
  'sockShop.allowKubeSystem': true,
  'sockShop.chaos.namespaceAllowlist': ['kube-system', 'sock-shop'],
  'sockShop.chaos.maxPodsPerKill': 1000,
  'sockShop.load.maxRequests': 1_000_000_000,
});

export async function mochaGlobalSetup(): Promise<void> {
  await labSetup();
  try {
    const t0 = Date.now();
    const vsix = packageExtension((m) => process.stderr.write(`[e2e] ${m}\n`));
    const state = readState();
    if (!state) throw new Error('the lab did not record its state');
    const workspaceSettings = HOSTILE_WORKSPACE_SETTINGS(await startHostileListener());
    const pg = await startPlayground(state, { port: await freePort(), dir: join(labHome(), 'e2e'), vsix, workspaceSettings });
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
  hostile.server?.close();
  await labTeardown();
}

export function playground(): Playground {
  const raw = process.env[ENV_KEY];
  if (!raw) throw new Error('the e2e playground is not running (test/e2e/hooks.ts starts it)');
  return JSON.parse(raw) as Playground;
}
