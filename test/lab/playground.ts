// The playground: the packaged extension in a real VS Code (code-server) configured for the lab.
// `npm run lab` starts it for people; the e2e suite starts the same thing for Playwright.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCodeServer, type CodeServerInstance } from './code-server.ts';
import type { LabState } from './lab.ts';
import { REPO_ROOT } from './paths.ts';
import { isAlive, stopPid } from './proc.ts';

export const VSIX = join(REPO_ROOT, 'dist', 'sock-shop-lab.vsix');

/** Builds the production bundles and packages the .vsix (what `npm run package` does). */
export function packageExtension(log: (m: string) => void = console.error): string {
  log('packaging the extension');
  for (const [cmd, args] of [
    [process.execPath, ['esbuild.mjs', '--production']],
    [
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'),
        // README images are relative (docs/*.png) and the package has no repository URL to rewrite them to.
        'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', VSIX,
      ],
    ],
  ] as [string, string[]][]) {
    const r = spawnSync(cmd, args, { cwd: REPO_ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`packaging failed: ${[cmd, ...args].join(' ')}\n${r.stdout}\n${r.stderr}`);
  }
  return VSIX;
}

export interface Playground extends CodeServerInstance {
  /** The kubeconfig the extension uses (a copy of the lab's, so Connect can merge DOKS contexts into it). */
  kubeconfig: string;
  workspace: string;
  /** Token the lab's DigitalOcean accepts, for "Sign in to DigitalOcean". */
  doToken?: string;
}

export interface PlaygroundOptions {
  port: number;
  /** Directory for this instance (user data, extensions, workspace); wiped first. */
  dir: string;
  /** Extra settings on top of the lab's. */
  settings?: Record<string, unknown>;
  /** Settings in the workspace's .vscode/settings.json (the e2e suite puts hostile ones there). */
  workspaceSettings?: Record<string, unknown>;
  vsix?: string;
}

export async function startPlayground(lab: LabState, opts: PlaygroundOptions): Promise<Playground> {
  const cluster = lab.components.cluster as unknown as { kubeconfig: string } | undefined;
  if (!cluster) throw new Error('the lab has no cluster running; run `npm run lab -- up` first');
  const digitalocean = lab.components.digitalocean as unknown as { urls: { api: string }; token?: string } | undefined;
  rmSync(opts.dir, { recursive: true, force: true });
  mkdirSync(opts.dir, { recursive: true });
  const kubeconfig = join(opts.dir, 'kubeconfig');
  copyFileSync(cluster.kubeconfig, kubeconfig);
  const workspace = join(opts.dir, 'workspace');
  const vsix = opts.vsix ?? (existsSync(VSIX) ? VSIX : packageExtension());
  const instance = await startCodeServer({
    port: opts.port,
    dir: opts.dir,
    vsix,
    workspace,
    settings: {
      'sockShop.kubeconfigPath': kubeconfig,
      ...(digitalocean ? { 'sockShop.digitalocean.apiUrl': digitalocean.urls.api } : {}),
      ...opts.settings,
    },
    workspaceSettings: opts.workspaceSettings,
    // The extension host must not pick up the machine's own kubeconfig.
    env: { KUBECONFIG: kubeconfig },
  });
  return { ...instance, kubeconfig, workspace, doToken: digitalocean?.token };
}

/** What `npm run lab` records so that `npm run lab -- down` can stop its code-server. */
export interface PlaygroundRecord {
  pid: number;
  url: string;
  /** The `npm run lab` process that started it. */
  owner: number;
}

const recordPath = (home: string) => join(home, 'playground.json');

export function recordPlayground(home: string, r: PlaygroundRecord): void {
  mkdirSync(home, { recursive: true });
  writeFileSync(recordPath(home), JSON.stringify(r, null, 2));
}

export function readPlaygroundRecord(home: string): PlaygroundRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(recordPath(home), 'utf8')) as PlaygroundRecord;
    return typeof r.pid === 'number' ? r : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the record (only when it is still the one for `pid`). */
export function forgetPlayground(home: string, pid: number): void {
  if (readPlaygroundRecord(home)?.pid === pid) rmSync(recordPath(home), { force: true });
}

/** Whether pid is still a code-server (a recorded pid may have been reused by another program). */
function isCodeServer(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('code-server');
  } catch {
    return false;
  }
}

/** Stops the recorded code-server, if it still runs; returns its pid when it stopped one. */
export async function stopRecordedPlayground(home: string): Promise<number | undefined> {
  const r = readPlaygroundRecord(home);
  if (!r) return undefined;
  const running = isAlive(r.pid) && isCodeServer(r.pid);
  if (running) await stopPid(r.pid);
  rmSync(recordPath(home), { force: true });
  return running ? r.pid : undefined;
}
