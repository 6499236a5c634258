// The lab's DigitalOcean API: the stateful fake (daemon.ts) behind Prism in validation-proxy mode on
// DigitalOcean's official OpenAPI spec, with a thin front server that clients use.
//
// ComponentState (saved under "digitalocean" in <home>/state.json):
//   urls.api      http://127.0.0.1:<front>/v2  the API endpoint for clients (dots-wrapper `endpoint`);
//                                              every /v2 request goes through Prism
//   urls.prism    http://127.0.0.1:<prism>     Prism itself (no front-layer faults)
//   urls.fake     http://127.0.0.1:<fake>      the fake without Prism (no contract checks)
//   urls.control  http://127.0.0.1:<front>/_lab  fault knobs and reset (never through Prism)
//   urls.tokenReview  http://127.0.0.1:<port>/authenticate  the TokenReview webhook the lab's
//                 kube-apiserver asks about kubeconfig tokens (port chosen by the cluster component)
//   token         the one API token the lab accepts
//   spec          DigitalOcean's OpenAPI file; prismSpec: the file Prism was started with
//   prismStartMs  how long Prism took to answer its first request
//
// Ports: 18480 (front), 18481 (Prism), 18482 (fake) when free, else free ports; SOCK_SHOP_LAB_DO_PORT=N pins N, N+1, N+2.
// Spec: SOCK_SHOP_DO_SPEC, default test/lab/reference/digitalocean-openapi.yaml (see referenceDir()). Prism gets that
// file with its `paths` narrowed to the families the fake serves (every component schema kept, so
// each served operation is validated exactly as in the full file): Prism starts in ~6 s on it
// instead of ~10-28 s on all 445 paths. A path outside them gets Prism's 404 NO_PATH_MATCHED_ERROR.
// SOCK_SHOP_LAB_DO_FULL_SPEC=1 hands Prism the whole file.
// Timing: SOCK_SHOP_LAB_DO_PROVISION_MS (default 3000) provisioning → running, SOCK_SHOP_LAB_DO_DELETE_MS (1500).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import type { ComponentState, LabComponent } from '../component';
import { REPO_ROOT, referenceDir } from '../paths';
import { assertPortFree, freePort, isAlive, startDaemon, stopPid, waitFor } from '../proc';
import { clusterState } from './labcluster';
import { TOKEN_REVIEW_PATH, type FakeConfig } from './server';

/** The lab's API token: shaped like a DigitalOcean personal access token, the same on every machine. */
export const LAB_DO_TOKEN = `dop_v1_${createHash('sha256').update('sock-shop-lab digitalocean').digest('hex')}`;

export function specPath(): string {
  return resolve(process.env.SOCK_SHOP_DO_SPEC || join(referenceDir(), 'digitalocean-openapi.yaml'));
}

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer (got "${v}")`);
  return n;
}

/** The path families the fake implements (see server.ts). */
const SERVED_PATHS = /^\/v2\/(account|sizes|kubernetes\/options|kubernetes\/clusters(\/.*)?|1-clicks(\/kubernetes)?|load_balancers(\/\{lb_id\})?)$/;

/**
 * The spec Prism validates with: the official file, or (default) the official file with only the
 * served paths, cached in `dir` and rebuilt when the source changes.
 */
export function prismSpec(source: string, dir: string): string {
  if (process.env.SOCK_SHOP_LAB_DO_FULL_SPEC === '1') return source;
  const out = join(dir, 'openapi-served-paths.json');
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(source).mtimeMs) return out;
  const doc = YAML.parse(readFileSync(source, 'utf8'), { maxAliasCount: -1 }) as { paths: Record<string, unknown> };
  doc.paths = Object.fromEntries(Object.entries(doc.paths).filter(([p]) => SERVED_PATHS.test(p)));
  writeFileSync(`${out}.tmp`, JSON.stringify(doc));
  renameSync(`${out}.tmp`, out);
  return out;
}

const PRISM_CLI = join(REPO_ROOT, 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js');

export interface DigitalOceanState extends ComponentState {
  urls: { api: string; prism: string; fake: string; control: string; tokenReview?: string };
  token: string;
  spec: string;
  /** The file Prism was started with (see prismSpec()). */
  prismSpec: string;
  prismStartMs: number;
}

const DEFAULT_FRONT_PORT = 18480;

/**
 * Front, Prism and fake ports. SOCK_SHOP_LAB_DO_PORT=N pins them to N, N+1, N+2 (and fails clearly when
 * one is taken); unset, the defaults are used when free and free ports otherwise; 0 always picks free ports.
 */
async function choosePorts(log: (m: string) => void): Promise<{ front: number; prism: number; fake: number }> {
  const pinned = envInt('SOCK_SHOP_LAB_DO_PORT', -1);
  const roles = [
    ['front', "the lab's DigitalOcean API"],
    ['prism', "the lab's DigitalOcean validation proxy (Prism)"],
    ['fake', "the lab's DigitalOcean fake"],
  ] as const;
  const fixed = (front: number) => ({ front, prism: front + 1, fake: front + 2 });
  if (pinned > 0) {
    const ports = fixed(pinned);
    for (const [role, who] of roles) await assertPortFree(ports[role], who);
    return ports;
  }
  if (pinned < 0) {
    const ports = fixed(DEFAULT_FRONT_PORT);
    try {
      for (const [role, who] of roles) await assertPortFree(ports[role], who);
      return ports;
    } catch {
      log(`ports ${DEFAULT_FRONT_PORT}-${DEFAULT_FRONT_PORT + 2} are not all free; the DigitalOcean API uses free ports instead`);
    }
  }
  const picked = new Set<number>();
  while (picked.size < 3) picked.add(await freePort());
  const [front, prism, fake] = [...picked];
  return { front, prism, fake };
}

export const digitaloceanComponent: LabComponent = {
  name: 'digitalocean',

  async start(ctx) {
    const spec = specPath();
    if (!existsSync(spec))
      throw new Error(
        `DigitalOcean's OpenAPI spec is missing at ${spec}: it ships in test/lab/reference ` +
          '(SOCK_SHOP_DO_SPEC or SOCK_SHOP_LAB_REFERENCE point elsewhere).',
      );
    if (!existsSync(PRISM_CLI)) throw new Error(`Prism is not installed (${PRISM_CLI} is missing): run \`npm ci\`.`);
    const ports = await choosePorts(ctx.log);
    // The apiserver was started pointing its webhook token authenticator at this port.
    const reviewPort = Number(clusterState(ctx.home)?.tokenWebhookPort) || undefined;
    if (reviewPort) await assertPortFree(reviewPort, "the lab's DigitalOcean TokenReview webhook (components.cluster.tokenWebhookPort)");
    else ctx.log('digitalocean: the lab cluster has no token webhook port; kubeconfig tokens will get 401 from the apiserver');

    const dir = join(ctx.home, 'digitalocean');
    mkdirSync(dir, { recursive: true });
    const prismUrl = `http://127.0.0.1:${ports.prism}`;
    const fakeUrl = `http://127.0.0.1:${ports.fake}`;
    const frontUrl = `http://127.0.0.1:${ports.front}`;
    const cfg: FakeConfig = {
      fakePort: ports.fake,
      frontPort: ports.front,
      prismUrl,
      token: process.env.SOCK_SHOP_LAB_DO_TOKEN || LAB_DO_TOKEN,
      provisionMs: envInt('SOCK_SHOP_LAB_DO_PROVISION_MS', 3000),
      deleteMs: envInt('SOCK_SHOP_LAB_DO_DELETE_MS', 1500),
      kubeconfig: ctx.kubeconfig,
      home: ctx.home,
      tokenReviewPort: reviewPort,
    };
    const cfgFile = join(dir, 'config.json');
    writeFileSync(cfgFile, JSON.stringify(cfg, null, 2));

    const pids: Record<string, number> = {};
    try {
      const fakeLog = join(dir, 'fake.log');
      pids.fake = startDaemon(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'daemon.ts'), cfgFile], {
        cwd: REPO_ROOT,
        logFile: fakeLog,
      });
      await waitFor(
        "the lab's DigitalOcean fake",
        async () => {
          if (!isAlive(pids.fake)) throw new Error('the process exited');
          const r = await fetch(`${fakeUrl}/_lab/healthz`, { signal: AbortSignal.timeout(2000) });
          await r.arrayBuffer();
          return r.ok;
        },
        30_000,
        fakeLog,
      );

      const prismLog = join(dir, 'prism.log');
      const t0 = Date.now();
      const servedSpec = prismSpec(spec, dir);
      pids.prism = startDaemon(
        process.execPath,
        // warn: the log keeps every violation and upstream error, not a line per request.
        [PRISM_CLI, 'proxy', '-h', '127.0.0.1', '-p', String(ports.prism), '--errors', '-v', 'warn', servedSpec, fakeUrl],
        { cwd: REPO_ROOT, logFile: prismLog },
      );
      await waitFor(
        'Prism (the DigitalOcean validation proxy)',
        async () => {
          if (!isAlive(pids.prism)) throw new Error('the process exited');
          const r = await fetch(`${frontUrl}/v2/account`, {
            headers: { authorization: `Bearer ${cfg.token}` },
            signal: AbortSignal.timeout(2000),
          });
          await r.arrayBuffer();
          return r.status === 200;
        },
        120_000,
        prismLog,
      );
      const prismStartMs = Date.now() - t0;
      ctx.log(`DigitalOcean API on ${frontUrl}/v2 (Prism ready in ${(prismStartMs / 1000).toFixed(1)} s)`);
      const state: DigitalOceanState = {
        pids,
        urls: {
          api: `${frontUrl}/v2`,
          prism: prismUrl,
          fake: fakeUrl,
          control: `${frontUrl}/_lab`,
          ...(reviewPort ? { tokenReview: `http://127.0.0.1:${reviewPort}${TOKEN_REVIEW_PATH}` } : {}),
        },
        token: cfg.token,
        spec,
        prismSpec: servedSpec,
        prismStartMs,
      };
      return state;
    } catch (err) {
      for (const pid of Object.values(pids)) await stopPid(pid);
      throw err;
    }
  },

  async stop(_ctx, state) {
    if (!state) return;
    // Prism first, so nothing reaches a fake that is going away.
    await stopPid(state.pids.prism);
    await stopPid(state.pids.fake);
  },
};
