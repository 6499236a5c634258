// A Deployment's logs as one stream over all its pods, the way `kubectl logs -f deploy/NAME --all-pods`
// and k9s show them while pods come and go: each line prefixed by its pod, new pods join as they start,
// killed pods leave with a marker. Options: previous container, timestamps, since, tail.
import { Writable } from 'node:stream';
import { AppsV1Api, CoreV1Api, Log, Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { UserError } from '../errors';
import { apiClient, is404 } from './client';
import { clusterProblem } from './errors';

export interface DeploymentLogOptions {
  container?: string;
  previous?: boolean;
  timestamps?: boolean;
  sinceSeconds?: number;
  tailLines?: number;
  /** Keep following (default true); false reads what is there and ends. */
  follow?: boolean;
}

export interface DeploymentLogs {
  /** Pods being read now. */
  readonly pods: ReadonlySet<string>;
  stop(): void;
  /** Resolves once every pod present at the start has been read to its end (follow: false) or stop() is called. */
  readonly done: Promise<void>;
}

/** Splits a byte stream into lines, calling onLine for each complete one (the rest waits for more). */
export class LineSplitter extends Writable {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    const lines = (this.rest + chunk.toString()).split('\n');
    this.rest = lines.pop() ?? '';
    for (const l of lines) this.onLine(l.replace(/\r$/, ''));
    cb();
  }
  override _final(cb: () => void): void {
    if (this.rest) this.onLine(this.rest);
    this.rest = '';
    cb();
  }
}

/** A starting pod's logs are retried this often, this far apart (10 s in all). */
const LOG_RETRIES = 20;
const LOG_RETRY_MS = 500;

const live = (p: V1Pod) => !p.metadata?.deletionTimestamp && (p.status?.phase === 'Running' || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');

/**
 * Follows the logs of every pod of a Deployment. Lines come as `[pod] text`; a pod that joins gives
 * `── <pod> joined`, one that goes `── <pod> left (deleted)`. Errors of one pod's stream are lines too.
 */
export async function followDeploymentLogs(
  kc: KubeConfig,
  namespace: string,
  deployment: string,
  onLine: (line: string) => void,
  opts: DeploymentLogOptions = {},
): Promise<DeploymentLogs> {
  let selector: string;
  try {
    const d = await apiClient(kc, AppsV1Api).readNamespacedDeployment({ name: deployment, namespace });
    selector = Object.entries(d.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  } catch (err) {
    if (is404(err)) throw new UserError(`Deployment ${namespace}/${deployment} does not exist.`, 'NotFound');
    throw clusterProblem(err, kc) ?? err;
  }
  if (!selector) throw new UserError(`Deployment ${namespace}/${deployment} selects its pods with matchExpressions only; open one pod's logs instead.`, 'NoSelector');
  const follow = opts.follow ?? true;
  const readers = new Map<string, { abort(): void }>();
  const pending: Promise<void>[] = [];
  let stopped = false;
  const log = new Log(kc);

  const join = (p: V1Pod) => {
    const name = p.metadata?.name ?? '';
    if (!name || readers.has(name) || stopped) return;
    const container = opts.container ?? p.spec?.containers?.[0]?.name ?? '';
    const out = new LineSplitter((l) => onLine(`[${name}] ${l}`));
    readers.set(name, { abort: () => undefined });
    onLine(`── ${name} joined`);
    // A pod that just started may not serve logs yet (HTTP 400 until its container runs): try again a few
    // times, while it is still one of ours, before saying it has none.
    const open = (attempt: number): Promise<void> =>
      log
        .log(namespace, name, container, out, {
          follow,
          previous: opts.previous ?? false,
          timestamps: opts.timestamps ?? false,
          ...(opts.sinceSeconds !== undefined ? { sinceSeconds: opts.sinceSeconds } : {}),
          ...(opts.tailLines !== undefined ? { tailLines: opts.tailLines } : {}),
        })
        .then(
          (ctl) => {
            if (stopped || !readers.has(name)) ctl.abort();
            else readers.set(name, ctl);
            if (!follow) return new Promise<void>((r) => out.on('finish', () => r()));
            return undefined;
          },
          async (err: unknown) => {
            const code = (err as { code?: number })?.code;
            if (code === 400 && attempt < LOG_RETRIES && !stopped && readers.has(name)) {
              await new Promise((r) => setTimeout(r, LOG_RETRY_MS));
              if (!stopped && readers.has(name)) return open(attempt + 1);
              return;
            }
            const problem = clusterProblem(err, kc);
            onLine(`── ${name}: no logs (${problem?.message ?? (code ? `HTTP ${code}` : ((err as Error)?.message ?? String(err)))})`);
          },
        );
    const run = open(0);
    pending.push(run.then(() => undefined));
  };
  const leave = (name: string, why: string) => {
    const r = readers.get(name);
    if (!r) return;
    readers.delete(name);
    r.abort();
    onLine(`── ${name} left (${why})`);
  };

  const core = apiClient(kc, CoreV1Api);
  let pods: V1Pod[];
  try {
    pods = (await core.listNamespacedPod({ namespace, labelSelector: selector })).items;
  } catch (err) {
    throw clusterProblem(err, kc) ?? err;
  }
  for (const p of pods.filter(live).sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))) join(p);
  let watchReq: { abort(): void } | undefined;
  if (follow) {
    watchReq = await new Watch(kc).watch(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
      { labelSelector: selector },
      (phase: string, p: V1Pod) => {
        const name = p.metadata?.name ?? '';
        if (phase === 'DELETED') leave(name, 'deleted');
        else if (p.metadata?.deletionTimestamp) leave(name, 'terminating');
        else if (p.status?.phase === 'Running') join(p);
      },
      (err: unknown) => {
        if (!stopped && err) onLine(`── the pod watch ended: ${(err as Error)?.message ?? err}`);
      },
    );
  }
  const done = Promise.all(pending).then(() => undefined);
  return {
    get pods() {
      return new Set(readers.keys());
    },
    get done() {
      return done;
    },
    stop() {
      stopped = true;
      watchReq?.abort();
      for (const name of [...readers.keys()]) {
        readers.get(name)?.abort();
        readers.delete(name);
      }
    },
  };
}
