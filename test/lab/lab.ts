// The lab: the Kubernetes cluster, its LoadBalancer controller, its data plane (dataplane/), the
// monitoring stack and the DigitalOcean API, started in that order and stopped in reverse. State lives in one directory
// (labHome(), <home>/state.json); `labDown()` ends exactly the processes the components recorded.
import { existsSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { ComponentState, LabComponent, LabContext } from './component.ts';
import { ensureBinaries } from './build.ts';
import { clusterComponent, clusterHealthy, liveClusterPids, repairCluster, startApiserver, stopApiserver, type ClusterState } from './cluster.ts';
import { lbControllerComponent } from './lb-controller.ts';
import { dataplaneComponent } from './dataplane/index.ts';
import { binDir, kubeconfigPath, labHome, statePath } from './paths.ts';
import { isAlive, stopPid, withFileLock } from './proc.ts';
import { readSupervisorStatus } from './supervisor.ts';

export interface LabState {
  home: string;
  bin: string;
  startedAt: string;
  /** Component name → its state, in start order. */
  components: Record<string, ComponentState>;
}

export interface LabOptions {
  home?: string;
  log?: (msg: string) => void;
  /** Only these components (by name), e.g. ['cluster', 'loadbalancer'] for cluster benchmarks. */
  only?: string[];
}

/** SOCK_SHOP_LAB_COMPONENTS=cluster,loadbalancer starts only those (e.g. for cluster benchmarks). */
function onlyFromEnv(): string[] | undefined {
  const list = process.env.SOCK_SHOP_LAB_COMPONENTS?.split(',').map((s) => s.trim()).filter(Boolean);
  return list?.length ? list : undefined;
}

function defaultLog(msg: string): void {
  process.stderr.write(`[lab] ${msg}\n`);
}

/**
 * The components in start order. The monitoring stack and the DigitalOcean API are separate
 * modules; when one is not in this checkout the lab runs without it and says so.
 */
export async function labComponents(log: (m: string) => void = defaultLog, tolerant = false): Promise<LabComponent[]> {
  const list: LabComponent[] = [clusterComponent, lbControllerComponent, dataplaneComponent];
  // Each optional part may be a single file or a directory with an index.ts.
  const optional: [string, string[], string][] = [
    ['monitoring', ['./monitoring.ts', './monitoring/index.ts'], 'monitoringComponent'],
    ['digitalocean', ['./digitalocean/index.ts', './digitalocean.ts'], 'digitaloceanComponent'],
  ];
  for (const [name, candidates, exportName] of optional) {
    const rel = candidates.find((c) => existsSync(join(import.meta.dirname, c)));
    if (!rel) {
      log(`${name}: ${candidates[0]} is not in this checkout; the lab runs without it`);
      continue;
    }
    try {
      const mod = (await import(rel)) as Record<string, LabComponent | undefined>;
      const c = mod[exportName];
      if (!c) throw new Error(`${rel} does not export ${exportName}`);
      list.push(c);
    } catch (err) {
      // `down` must still stop everything, even while a part's module is broken.
      if (!tolerant) throw err;
      log(`${name}: cannot load ${rel} (${(err as Error).message.split('\n')[0]})`);
    }
  }
  return list;
}

export function readState(home = labHome()): LabState | undefined {
  const file = statePath(home);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

function writeState(state: LabState): void {
  const file = statePath(state.home);
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
}

function context(home: string, bin: string, log: (m: string) => void): LabContext {
  return { home, bin, kubeconfig: kubeconfigPath(home), log };
}

/** A component is healthy when all its recorded processes live (the cluster also answers /readyz). */
async function healthy(name: string, state: ComponentState | undefined): Promise<boolean> {
  if (!state) return false;
  if (name === 'cluster') return clusterHealthy(state as ClusterState);
  return Object.values(state.pids ?? {}).every((pid) => isAlive(pid));
}

/**
 * Brings the lab up. Idempotent: healthy components are kept as they are; a component whose
 * processes died is stopped and started again (and so is everything after it, since later
 * components depend on earlier ones). On failure, what this call started is stopped again.
 */
export async function labUp(opts: LabOptions = {}): Promise<LabState> {
  const home = opts.home ?? labHome();
  const log = opts.log ?? defaultLog;
  return withFileLock(join(home, 'lab.lock'), 'lab command', log, async () => {
    const { bin } = await ensureBinaries({ log: (m) => log(`build: ${m}`) });
    const ctx = context(home, bin, log);
    const previous = readState(home);
    const state: LabState = {
      home,
      bin,
      startedAt: previous?.startedAt ?? new Date().toISOString(),
      components: { ...(previous?.components ?? {}) },
    };
    let components = await labComponents(log);
    const only = opts.only ?? onlyFromEnv();
    if (only) components = components.filter((c) => only.includes(c.name));
    const startedNow: LabComponent[] = [];
    /** Keeps a healthy component, repairs or (re)starts it; true when it was started anew. */
    const ensure = async (c: LabComponent, force: boolean): Promise<boolean> => {
      const old = state.components[c.name];
      if (!force && (await healthy(c.name, old))) {
        log(`${c.name}: already running`);
        return false;
      }
      if (old && !force && c.name === 'cluster') {
        const repaired = await repairCluster(ctx, old as ClusterState);
        if (repaired) {
          log('cluster: some processes had stopped; started them again (data kept)');
          state.components.cluster = repaired;
          writeState(state);
          return false;
        }
      }
      if (old) {
        log(`${c.name}: not healthy, restarting it`);
        await c.stop(ctx, old);
        delete state.components[c.name];
        writeState(state);
      }
      const t0 = Date.now();
      log(`${c.name}: starting`);
      startedNow.push(c);
      state.components[c.name] = await c.start(ctx);
      writeState(state);
      log(`${c.name}: up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return true;
    };
    try {
      // The cluster first; the other parts only need it (not each other) to start, so they start
      // side by side. A new cluster means new ports and certificates: everything else restarts too.
      const cluster = components.find((c) => c.name === 'cluster');
      const rest = components.filter((c) => c !== cluster);
      const clusterIsNew = cluster ? await ensure(cluster, false) : false;
      const results = await Promise.allSettled(rest.map((c) => ensure(c, clusterIsNew)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (err) {
      log(`lab up failed; stopping what this run started`);
      for (const c of startedNow.reverse()) {
        await c.stop(ctx, state.components[c.name]).catch((e: Error) => log(`${c.name}: stop failed: ${e.message}`));
        delete state.components[c.name];
      }
      if (Object.keys(state.components).length) writeState(state);
      else rmSync(statePath(home), { force: true });
      throw err;
    }
    writeState(state);
    return state;
  });
}

/** Stops every component (reverse order) by the pids in state.json, and removes the state. */
export async function labDown(opts: LabOptions = {}): Promise<void> {
  const home = opts.home ?? labHome();
  const log = opts.log ?? defaultLog;
  await withFileLock(join(home, 'lab.lock'), 'lab command', log, async () => {
    const state = readState(home);
    const ctx = context(home, state?.bin ?? binDir(), log);
    const components = await labComponents(log, true);
    const known = new Set(components.map((c) => c.name));
    // A part whose module cannot be loaded is stopped by its recorded pids.
    for (const name of Object.keys(state?.components ?? {}).reverse()) {
      if (known.has(name)) continue;
      const pids = state!.components[name].pids ?? {};
      log(`${name}: stopping its processes by pid (${Object.values(pids).join(', ') || 'none'})`);
      for (const pid of Object.values(pids)) await stopPid(pid);
    }
    for (const c of [...components].reverse()) {
      // The cluster is always asked to stop, so a half-created one (no state yet) is cleaned too.
      if (!state?.components[c.name] && c.name !== 'cluster') continue;
      log(`${c.name}: stopping`);
      await c.stop(ctx, state?.components[c.name]).catch((e: Error) => log(`${c.name}: stop failed: ${e.message}`));
    }
    rmSync(statePath(home), { force: true });
    log('lab is down');
  });
}

/** Resident memory of one process in bytes (0 when it is gone). */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** A component's processes now (the cluster's supervisor may have restarted some since they were recorded). */
function pidsOf(name: string, c: ComponentState): Record<string, number> {
  return name === 'cluster' ? liveClusterPids(c as ClusterState) : (c.pids ?? {});
}

/** RSS of every process the lab recorded, per component and role, and the total. */
export function labMemory(state: LabState): { total: number; byProcess: Record<string, number> } {
  const byProcess: Record<string, number> = {};
  let total = 0;
  for (const [name, c] of Object.entries(state.components)) {
    for (const [role, pid] of Object.entries(pidsOf(name, c))) {
      const rss = rssBytes(pid);
      byProcess[`${name}/${role}`] = rss;
      total += rss;
    }
  }
  return { total, byProcess };
}

/** Human-readable status: kubeconfig, URLs and pids (alive or not). */
export function labStatus(home = labHome()): string {
  const state = readState(home);
  if (!state) return `The lab is not running (no ${statePath(home)}). Start it with \`npm run lab -- up\`.`;
  const lines: string[] = [`Lab home:         ${home}`];
  const cluster = state.components.cluster as ClusterState | undefined;
  if (cluster) {
    lines.push(`Kubeconfig:       ${cluster.kubeconfig}  (token-based: ${cluster.tokenKubeconfig})`);
    lines.push(`Kubernetes API:   ${cluster.apiserverUrl}`);
  }
  const pick = (name: string, keys: string[]) => {
    const urls = state.components[name]?.urls ?? {};
    for (const k of keys) if (urls[k]) return urls[k];
    return Object.values(urls)[0];
  };
  lines.push(`DigitalOcean API: ${pick('digitalocean', ['api', 'prism', 'url']) ?? '(not running)'}`);
  lines.push(`Prometheus:       ${pick('monitoring', ['prometheus']) ?? '(not running)'}`);
  const versions = (state.components.monitoring as { versions?: Record<string, string> } | undefined)?.versions;
  if (versions) lines.push(`Monitoring:       ${Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const [name, c] of Object.entries(state.components)) {
    const pids = Object.entries(pidsOf(name, c))
      .map(([role, pid]) => `${role}=${pid}${isAlive(pid) ? '' : ' (dead)'}`)
      .join(' ');
    const urls = Object.entries(c.urls ?? {})
      .map(([k, u]) => `${k}=${u}`)
      .join(' ');
    lines.push(`  ${name.padEnd(13)} ${pids}${urls ? `  ${urls}` : ''}`);
  }
  const sup = cluster?.supervisorStatus ? readSupervisorStatus(cluster.supervisorStatus) : undefined;
  if (cluster) {
    const supervisorAlive = isAlive(cluster.pids.supervisor);
    if (!sup) lines.push(`Supervised:       (no supervisor status${supervisorAlive ? ' yet' : '; the supervisor is not running'})`);
    else
      for (const [name, st] of Object.entries(sup.components)) {
        const down = st.nextRestart ? `, down, restart due ${st.nextRestart}` : '';
        const last = st.lastRestart ? `, last ${st.lastRestart}` : '';
        const exit = st.lastExit ? `, last exit ${st.lastExit}${st.lastExitStatus ? ` (${st.lastExitStatus})` : ''}` : '';
        lines.push(`Supervised:       ${name.padEnd(24)} restarts=${st.restarts}${last}${exit}${down}${supervisorAlive ? '' : ' (supervisor not running)'}`);
      }
  }
  const processes = Object.entries(state.components).reduce((n, [name, c]) => n + Object.keys(pidsOf(name, c)).length, 0);
  lines.push(`Memory (RSS):     ${(labMemory(state).total / 1024 ** 2).toFixed(0)} MiB over ${processes} processes`);
  return lines.join('\n');
}

function clusterState(home: string): ClusterState {
  const c = readState(home)?.components.cluster as ClusterState | undefined;
  if (!c) throw new Error('the lab cluster is not running; start it with `npm run lab -- up`');
  return c;
}

function recordApiserverPid(home: string, pid: number | undefined): void {
  const state = readState(home);
  const c = state?.components.cluster;
  if (!state || !c) return;
  if (pid) c.pids['kube-apiserver'] = pid;
  else delete c.pids['kube-apiserver'];
  writeState(state);
}

/** Kills the kube-apiserver process (fault tests). The rest of the lab keeps running. */
export async function apiserverStop(home = labHome()): Promise<void> {
  clusterState(home);
  await stopApiserver(home);
  recordApiserverPid(home, undefined);
}

/** Starts the kube-apiserver again with the same arguments; resolves when it answers /readyz. */
export async function apiserverStart(home = labHome()): Promise<number> {
  const c = clusterState(home);
  const pid = await startApiserver(home, c.adminToken, c.apiserverUrl);
  recordApiserverPid(home, pid);
  return pid;
}

export async function apiserverRestart(home = labHome()): Promise<number> {
  await apiserverStop(home);
  return apiserverStart(home);
}

const USAGE = `usage: npm run lab -- [up|down|status|apiserver-stop|apiserver-start|apiserver-restart]
  (none)             the lab plus VS Code (code-server) with the extension; prints the URL; Ctrl-C stops all
  up                 build what is missing and start the lab only; a running lab is kept
  down               stop every process the lab started
  status             kubeconfig, URLs and pids
  apiserver-stop     kill the kube-apiserver (fault tests)
  apiserver-start    start it again with the same arguments
  apiserver-restart  both
  do-fault|do-faults|do-clear|do-reset|do-config|do-state   DigitalOcean fault knobs (do-help)
environment: SOCK_SHOP_LAB_HOME (state dir, default <repo>/.lab), SOCK_SHOP_LAB_NODES (default 2),
  SOCK_SHOP_LAB_COMPONENTS (comma list to start only some, e.g. cluster,loadbalancer)`;

/**
 * The `npm run lab` entry point. With no command it brings the lab up; other front-ends (e.g. one
 * that also opens the editor) call this with their own argv after adding their steps.
 */
export async function labMain(argv: string[]): Promise<number> {
  const cmd = argv[0] ?? 'up';
  switch (cmd) {
    case 'up': {
      const t0 = Date.now();
      await labUp();
      console.log(labStatus());
      console.log(`\nlab up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'down':
      await labDown();
      return 0;
    case 'status':
      console.log(labStatus());
      return readState() ? 0 : 3;
    case 'apiserver-stop':
      await apiserverStop();
      console.log('kube-apiserver stopped');
      return 0;
    case 'apiserver-start': {
      const pid = await apiserverStart();
      console.log(`kube-apiserver running (pid ${pid})`);
      return 0;
    }
    case 'apiserver-restart': {
      const pid = await apiserverRestart();
      console.log(`kube-apiserver restarted (pid ${pid})`);
      return 0;
    }
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      if (cmd.startsWith('do-')) {
        const { digitaloceanCommand } = await import('./digitalocean/cli.ts');
        return digitaloceanCommand(argv, readState()?.components.digitalocean as Parameters<typeof digitaloceanCommand>[1]);
      }
      console.error(`unknown lab command "${cmd}"\n${USAGE}`);
      return 2;
  }
}
