// Tracks Deployments until they are available (like `kubectl rollout status`), reporting
// ready/desired as it goes; on timeout names the ones that are not, with what their pods say.
import type { Agent } from 'node:http';
import { AppsV1Api, CoreV1Api, KubeConfig, Watch, type Configuration, type V1Deployment, type CoreV1Event, type V1Pod } from '@kubernetes/client-node';
import { sleep as delay } from '../async';
import { CancelledError, isCancellation, UserError } from '../errors';
import { apiClient } from './client';
import { clusterProblem } from './errors';

export interface DeploymentProgress {
  name: string;
  desired: number;
  ready: number;
  available: number;
  updated: number;
  /** Fully rolled out: every desired replica updated and available, no old replicas left. */
  done: boolean;
  /** Present when the Deployment does not exist (yet). */
  missing?: boolean;
}

export function deploymentProgress(d: V1Deployment): DeploymentProgress {
  const desired = d.spec?.replicas ?? 1;
  const st = d.status ?? {};
  const ready = st.readyReplicas ?? 0;
  const available = st.availableReplicas ?? 0;
  const updated = st.updatedReplicas ?? 0;
  const observed = (st.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  const done = observed && updated === desired && (st.replicas ?? 0) === desired && available === desired;
  return { name: d.metadata?.name ?? '', desired, ready, available, updated, done };
}

export interface RolloutOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (deployments: DeploymentProgress[]) => void;
  /** Called when nothing has moved for stallMs (and again every stallMs): what the rollout is waiting for. */
  onStall?: (why: string[], stalledMs: number) => void;
  /** Default 10 s. */
  stallMs?: number;
  /**
   * The connection pool to use (e.g. the one the apply went through): the list goes through this
   * client configuration, the watch over this agent. Default: a pool of its own.
   */
  pool?: { configuration: Configuration; agent?: Agent };
}

export interface NotAvailable {
  name: string;
  progress: DeploymentProgress;
  /** What the pods and their events say (ImagePullBackOff, FailedScheduling, ...). */
  reasons: string[];
}

export class RolloutTimeoutError extends UserError {
  constructor(
    readonly notAvailable: NotAvailable[],
    timeoutMs: number,
  ) {
    const names = notAvailable.map((n) => `${n.name} (${n.progress.available}/${n.progress.desired})`).join(', ');
    const firstReason = notAvailable.find((n) => n.reasons.length)?.reasons[0];
    super(
      `Not available after ${Math.round(timeoutMs / 1000)} s: ${names}.` + (firstReason ? ` ${firstReason}` : ''),
      'RolloutTimeout',
      notAvailable.map((n) => `${n.name}:\n  ${n.reasons.join('\n  ') || 'no pod events'}`).join('\n'),
    );
    this.name = 'RolloutTimeoutError';
  }
}

/**
 * Waits until every named Deployment in namespace is available. Returns the final progress.
 * One list, then one watch on the namespace's Deployments from that list's resourceVersion (it sees
 * each change at once); the list is taken again only when the watch ends (closed by the server,
 * a lost connection, 410 Gone), and the watch restarted from it.
 */
export async function waitForRollout(kc: KubeConfig, namespace: string, names: string[], options: RolloutOptions = {}): Promise<DeploymentProgress[]> {
  const apps = options.pool ? new AppsV1Api(options.pool.configuration) : apiClient(kc, AppsV1Api);
  const watcher = new Watch(options.pool?.agent ? withAgent(kc, options.pool.agent) : kc);
  const timeoutMs = options.timeoutMs ?? 300_000;
  const stallMs = options.stallMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const byName = new Map<string, V1Deployment>();
  let watch: AbortController | undefined;
  let watching = false;
  let wake: () => void = () => undefined;
  /** Consecutive watches that ended without delivering anything: back off before listing again. */
  let idleEnds = 0;

  const relist = async (): Promise<string | undefined> => {
    let list;
    try {
      list = await apps.listNamespacedDeployment({ namespace });
    } catch (err) {
      if (isCancellation(err) || options.signal?.aborted) throw new CancelledError();
      throw clusterProblem(err, kc) ?? err;
    }
    byName.clear();
    for (const d of list.items) byName.set(d.metadata?.name ?? '', d);
    return list.metadata?.resourceVersion;
  };
  const startWatch = async (resourceVersion: string | undefined) => {
    watching = true;
    let delivered = false;
    const ended = () => {
      watching = false;
      idleEnds = delivered ? 0 : idleEnds + 1;
      wake();
    };
    try {
      watch = await watcher.watch(
        `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments`,
        { resourceVersion, allowWatchBookmarks: true },
        (type: string, obj: V1Deployment) => {
          if (type === 'ERROR') return; // 410 Gone and the like: the watch ends next, and is started again from a list
          delivered = true;
          const name = obj?.metadata?.name;
          if (!name) return;
          if (type === 'ADDED' || type === 'MODIFIED') byName.set(name, obj);
          else if (type === 'DELETED') byName.delete(name);
          else return;
          wake();
        },
        ended,
      );
    } catch {
      ended();
    }
  };

  let last = '';
  let progress: DeploymentProgress[] = [];
  let lastChange = Date.now();
  let lastStallReport = 0;
  try {
    for (;;) {
      if (options.signal?.aborted) throw new CancelledError();
      if (!watching) {
        if (idleEnds > 0) await delay(Math.min(2_000, 100 * 2 ** Math.min(idleEnds, 5)), options.signal);
        watch?.abort();
        await startWatch(await relist());
      }
      progress = names.map((n) => {
        const d = byName.get(n);
        return d ? deploymentProgress(d) : { name: n, desired: 0, ready: 0, available: 0, updated: 0, done: false, missing: true };
      });
      const fingerprint = JSON.stringify(progress);
      if (fingerprint !== last) {
        last = fingerprint;
        lastChange = Date.now();
        lastStallReport = 0;
        options.onProgress?.(progress);
      }
      if (progress.every((p) => p.done)) return progress;
      const stalled = Date.now() - lastChange;
      if (options.onStall && stalled >= stallMs && Date.now() - lastStallReport >= stallMs) {
        lastStallReport = Date.now();
        const pending = progress.filter((p) => !p.done);
        const deployments = pending.map((p) => byName.get(p.name)).filter((d): d is V1Deployment => !!d);
        const reasons = await explainNotAvailable(kc, namespace, deployments);
        options.onStall(stallSummary(pending, deployments, reasons, stalled), stalled);
      }
      if (Date.now() >= deadline) {
        const pending = progress.filter((p) => !p.done);
        const reasons = await explainNotAvailable(kc, namespace, pending.map((p) => byName.get(p.name)).filter((d): d is V1Deployment => !!d));
        throw new RolloutTimeoutError(
          pending.map((p) => ({ name: p.name, progress: p, reasons: p.missing ? ['the Deployment does not exist'] : reasons.get(p.name) ?? [] })),
          timeoutMs,
        );
      }
      if (!watching) continue;
      // Until the watch reports a change or ends, the next stall report is due, the deadline, or cancellation.
      const nextStall = options.onStall ? Math.max(lastChange + stallMs, lastStallReport + stallMs) : Infinity;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', done);
          wake = () => undefined;
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, Math.min(nextStall, deadline) - Date.now()));
        options.signal?.addEventListener('abort', done, { once: true });
        wake = done;
      });
    }
  } finally {
    watch?.abort();
  }
}

/** kc for client-node's Watch, with its requests sent over `agent` (a keep-alive pool shared with other clients). */
function withAgent(kc: KubeConfig, agent: Agent): KubeConfig {
  return {
    getCurrentCluster: () => kc.getCurrentCluster(),
    applyToFetchOptions: async (opts: object) => ({ ...(await kc.applyToFetchOptions(opts as never)), agent }),
  } as unknown as KubeConfig;
}

/**
 * What a rollout that has not moved for `stalledMs` waits for, most telling first: Deployments the
 * controller-manager has not picked up (no status, no ReplicaSet), then what pods and events say (image pull
 * errors, FailedScheduling), then pods not scheduled; at most 4 lines.
 */
export function stallSummary(pending: DeploymentProgress[], deployments: V1Deployment[], reasons: Map<string, string[]>, stalledMs: number): string[] {
  const secs = Math.round(stalledMs / 1000);
  const lines: string[] = [];
  const missing = pending.filter((p) => p.missing).map((p) => p.name);
  if (missing.length) lines.push(`${missing.join(', ')}: the Deployment does not exist`);
  const untouched = deployments.filter((d) => !d.status?.observedGeneration && !(d.status?.replicas ?? 0)).map((d) => d.metadata?.name ?? '');
  if (untouched.length) {
    lines.push(
      `${untouched.length === deployments.length ? 'no Deployment' : untouched.slice(0, 4).join(', ')} has a ReplicaSet after ${secs} s: is kube-controller-manager running?`,
    );
  }
  const said = new Map<string, string[]>();
  for (const [name, rs] of reasons) {
    for (const r of rs) {
      const reason = r.replace(/^pod \S+: /, ''); // the same cause on several pods is one line
      said.set(reason, [...(said.get(reason) ?? []), name]);
    }
  }
  const ordered = [...said].sort(([a], [b]) => rank(a) - rank(b));
  for (const [reason, names] of ordered) {
    const who = [...new Set(names)];
    const unscheduled = /^Pending, not scheduled$/.test(reason);
    lines.push(`${who.slice(0, 3).join(', ')}${who.length > 3 ? ` and ${who.length - 3} more` : ''}: ${unscheduled ? `pods Pending, not scheduled (is kube-scheduler running? is there capacity?)` : reason}`);
  }
  if (!lines.length) lines.push(`no change for ${secs} s; pods are starting (no error reported yet)`);
  return lines.slice(0, 4);
}

function rank(reason: string): number {
  if (/ImagePull|ErrImage|InvalidImageName/.test(reason)) return 0;
  if (/CrashLoopBackOff|restarted/.test(reason)) return 1;
  if (/FailedScheduling|Insufficient/.test(reason)) return 2;
  if (/not scheduled/.test(reason)) return 3;
  return 4;
}

/** For each Deployment: its pods' waiting reasons and the Warning events of its pods and ReplicaSets. */
export async function explainNotAvailable(kc: KubeConfig, namespace: string, deployments: V1Deployment[]): Promise<Map<string, string[]>> {
  const core = apiClient(kc, CoreV1Api);
  const out = new Map<string, string[]>();
  let events: CoreV1Event[] = [];
  let pods: V1Pod[] = [];
  try {
    [events, pods] = await Promise.all([
      core.listNamespacedEvent({ namespace }).then((l) => l.items),
      core.listNamespacedPod({ namespace }).then((l) => l.items),
    ]);
  } catch {
    /* best effort: the timeout message still names the deployments */
  }
  for (const d of deployments) {
    const name = d.metadata?.name ?? '';
    const selector = d.spec?.selector?.matchLabels ?? {};
    const mine = pods.filter((p) => Object.entries(selector).every(([k, v]) => p.metadata?.labels?.[k] === v));
    const waiting: string[] = [];
    const pending: string[] = [];
    for (const p of mine) {
      const podName = p.metadata?.name ?? '';
      for (const cs of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
        const w = cs.state?.waiting;
        if (w?.reason && w.reason !== 'ContainerCreating' && w.reason !== 'PodInitializing') {
          waiting.push(`pod ${podName}: ${w.reason}${w.message ? ` (${w.message})` : ''}`);
        }
        const t = cs.lastState?.terminated;
        if (t?.reason && (cs.restartCount ?? 0) > 0) waiting.push(`pod ${podName}: restarted ${cs.restartCount}×, last ${t.reason}`);
      }
      if (p.status?.phase === 'Pending' && !p.spec?.nodeName) pending.push(`pod ${podName}: Pending, not scheduled`);
    }
    const podNames = new Set(mine.map((p) => p.metadata?.name ?? ''));
    const replicaSet = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-[a-z0-9]{5,10}$`);
    const warnings = events
      .filter((e) => e.type === 'Warning')
      .filter((e) => {
        const n = e.involvedObject?.name ?? '';
        const kind = e.involvedObject?.kind;
        return (kind === 'Deployment' && n === name) || (kind === 'ReplicaSet' && replicaSet.test(n)) || (kind === 'Pod' && podNames.has(n));
      })
      .sort((a, b) => eventTime(b) - eventTime(a))
      .slice(0, 5)
      .map((e) => `${e.involvedObject?.kind?.toLowerCase()} ${e.involvedObject?.name}: ${e.reason}: ${e.message ?? ''}`.trim());
    // What the containers say first (ImagePullBackOff, CrashLoopBackOff), then the events; "not
    // scheduled" only when no event says why.
    const reasons = [...waiting, ...warnings, ...(warnings.length ? [] : pending)];
    out.set(name, [...new Set(reasons)]);
  }
  return out;
}

function eventTime(e: CoreV1Event): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return t ? new Date(t as unknown as string).getTime() : 0;
}

export function formatProgress(p: DeploymentProgress[]): string {
  const done = p.filter((d) => d.done).length;
  const pending = p.filter((d) => !d.done).map((d) => `${d.name} ${d.ready}/${d.desired}`);
  return `${done}/${p.length} deployments available` + (pending.length ? ` — waiting for ${pending.slice(0, 4).join(', ')}${pending.length > 4 ? ', …' : ''}` : '');
}
