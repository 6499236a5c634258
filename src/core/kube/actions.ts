// What the Workloads tree can do to objects: Kill pod, Describe, Logs, Scale, Restart.
// Every call maps API errors to specific messages (404 already gone, 403 RBAC, unreachable, 401).
import type { Writable } from 'node:stream';
import { AppsV1Api, CoreV1Api, Log, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { httpStatus, kubeStatusMessage, UserError } from '../errors';
import { kubeError } from './errors';
import { assertNamespaceAllowed } from './guard';
import { getJson } from './http';
import { describeRef, type ObjectRef } from './refs';
import { kubeAge } from './format';
import { apiClient } from './client';
import { eventsComment, listEvents } from './events';
import { execOnce, noProgram } from './exec';

function errCtx(kc: KubeConfig, action: string) {
  return { context: kc.getCurrentContext(), server: kc.getCurrentCluster()?.server, user: kc.getCurrentUser()?.name, action };
}

export interface KillPodOptions {
  /** Seconds; undefined uses the pod's own terminationGracePeriodSeconds. */
  gracePeriodSeconds?: number | null;
  /** The sockShop.allowKubeSystem setting. */
  allowKubeSystem?: boolean;
}

/** Refuses pods the user has not allowed us to touch. Exported for the confirmation step. */
export function checkKillAllowed(namespace: string, opts: Pick<KillPodOptions, 'allowKubeSystem'>): void {
  assertNamespaceAllowed(namespace, 'Kill pod', opts);
}

export interface KillResult {
  /** False when the pod was already gone (404). */
  deleted: boolean;
  message: string;
}

export async function killPod(kc: KubeConfig, namespace: string, name: string, opts: KillPodOptions = {}): Promise<KillResult> {
  checkKillAllowed(namespace, opts);
  const api = apiClient(kc, CoreV1Api);
  const grace = opts.gracePeriodSeconds;
  try {
    await api.deleteNamespacedPod({
      name,
      namespace,
      ...(typeof grace === 'number' && grace >= 0 ? { gracePeriodSeconds: Math.floor(grace) } : {}),
    });
    return { deleted: true, message: `Pod ${namespace}/${name} killed; its controller will start a replacement.` };
  } catch (err) {
    if (httpStatus(err) === 404) return { deleted: false, message: `Pod ${namespace}/${name} is already gone.` };
    throw kubeError(err, errCtx(kc, `delete pod ${namespace}/${name}`));
  }
}

/** API path of an object. */
export function objectPath(ref: ObjectRef): string {
  const n = encodeURIComponent(ref.name);
  const ns = ref.namespace ? encodeURIComponent(ref.namespace) : '';
  switch (ref.kind) {
    case 'Namespace':
      return `/api/v1/namespaces/${n}`;
    case 'Node':
      return `/api/v1/nodes/${n}`;
    case 'Pod':
      return `/api/v1/namespaces/${ns}/pods/${n}`;
    case 'Service':
      return `/api/v1/namespaces/${ns}/services/${n}`;
    case 'Deployment':
      return `/apis/apps/v1/namespaces/${ns}/deployments/${n}`;
  }
}

/** The live object as YAML, without managedFields (what `kubectl get -o yaml` shows, minus the noise). */
export async function describeYaml(kc: KubeConfig, ref: ObjectRef): Promise<string> {
  let obj: { metadata?: { managedFields?: unknown } };
  try {
    obj = await getJson(kc, objectPath(ref), { timeoutMs: 30_000 });
  } catch (err) {
    if (httpStatus(err) === 404) throw new UserError(`The ${describeRef(ref)} no longer exists.`, 'NotFound');
    throw kubeError(err, errCtx(kc, `get ${describeRef(ref)}`));
  }
  const yaml = describeObjectYaml(obj);
  if (!ref.namespace) return yaml;
  // Like kubectl describe: the object's events at the end (newest first), as YAML comments.
  const events = await listEvents(kc, ref.namespace, { objectName: ref.name, limit: 20 }).catch(() => undefined);
  return `${yaml}${eventsComment(events)}`;
}

export function describeObjectYaml(obj: { metadata?: { managedFields?: unknown } }): string {
  if (obj.metadata) delete obj.metadata.managedFields;
  return stringify(obj, { lineWidth: 0 });
}

/** Container names of a pod (for a picker when there are several). */
export async function podContainers(kc: KubeConfig, namespace: string, name: string): Promise<string[]> {
  try {
    const pod = await getJson<{ spec?: { containers?: { name: string }[] } }>(kc, objectPath({ kind: 'Pod', name, namespace }), { timeoutMs: 30_000 });
    return (pod.spec?.containers ?? []).map((c) => c.name);
  } catch (err) {
    if (httpStatus(err) === 404) throw new UserError(`Pod ${namespace}/${name} no longer exists.`, 'NotFound');
    throw kubeError(err, errCtx(kc, `get pod ${namespace}/${name}`));
  }
}

export interface LogStream {
  /** Stops following. */
  cancel(): void;
}

/** The parts of a pod that say why it may have no log. */
export interface PodLogState {
  metadata?: { deletionTimestamp?: Date | string };
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: { type?: string; status?: string; reason?: string; message?: string }[];
    containerStatuses?: {
      name: string;
      restartCount?: number;
      state?: {
        waiting?: { reason?: string; message?: string };
        running?: { startedAt?: Date | string };
        terminated?: { reason?: string; exitCode?: number; finishedAt?: Date | string };
      };
    }[];
  };
}

/** Why a container's log may be missing, from the pod's own state (for a log request the cluster refused). */
export function logsUnavailableHint(pod: PodLogState | undefined, container: string, now: number = Date.now()): string {
  if (!pod) return 'the pod could not be read to say why';
  const st = pod.status ?? {};
  const phase = st.phase ?? 'Unknown';
  const cs = st.containerStatuses?.find((c) => c.name === container);
  const detail = (reason?: string, message?: string) => (reason ? ` (${reason}${message ? `: ${message}` : ''})` : message ? ` (${message})` : '');
  if (pod.metadata?.deletionTimestamp) return `the pod is terminating (deletion requested ${kubeAge(pod.metadata.deletionTimestamp, now) ?? 'just now'} ago)`;
  if (!pod.spec?.nodeName) {
    const sched = st.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    return `the pod is ${phase} and not scheduled on a node yet${detail(sched?.reason, sched?.message)}`;
  }
  if (!cs?.state) return `the container has not started yet (pod ${phase} on node ${pod.spec.nodeName})`;
  const { waiting, running, terminated } = cs.state;
  if (waiting) return `the container has not started: it is waiting${detail(waiting.reason, waiting.message)}`;
  if (running) {
    const since = kubeAge(running.startedAt, now);
    return `the container has been running${since ? ` for ${since}` : ''} on node ${pod.spec.nodeName}, but that node's kubelet served no log for it (a simulated node, such as kwok's, keeps none)`;
  }
  if (terminated) {
    const ago = kubeAge(terminated.finishedAt, now);
    return `the container terminated${detail(terminated.reason, terminated.exitCode !== undefined ? `exit code ${terminated.exitCode}` : undefined)}${ago ? ` ${ago} ago` : ''} and its log is no longer kept`;
  }
  return `the pod is ${phase}${detail(st.reason, st.message)}`;
}

/** Follows a container's log into `out` until cancelled (or the container ends). */
export async function followLogs(
  kc: KubeConfig,
  namespace: string,
  pod: string,
  container: string,
  out: Writable,
  opts: { tailLines?: number; follow?: boolean } = {},
): Promise<LogStream> {
  try {
    const ctl = await new Log(kc).log(namespace, pod, container, out, {
      follow: opts.follow ?? true,
      tailLines: opts.tailLines ?? 200,
      timestamps: false,
    });
    return { cancel: () => ctl.abort() };
  } catch (err) {
    if (httpStatus(err) === 404) throw new UserError(`Pod ${namespace}/${pod} no longer exists.`, 'NotFound');
    const status = httpStatus(err);
    if (status === 400) {
      let why = kubeStatusMessage(err);
      if (!why) {
        const state = await getJson<PodLogState>(kc, objectPath({ kind: 'Pod', name: pod, namespace }), { timeoutMs: 15_000 }).catch(() => undefined);
        why = `HTTP 400; ${logsUnavailableHint(state, container)}`;
      }
      throw new UserError(
        `The cluster served no logs for ${namespace}/${pod} (container ${container}): ${why}.`,
        'NoLogs',
        String((err as Error).message ?? ''),
      );
    }
    throw kubeError(err, errCtx(kc, `read logs of pod ${namespace}/${pod}`));
  }
}

/** Checks an input box value for replicas: an integer from 0 to max. Returns a message or undefined. */
export function validateReplicas(value: string, max = 100): string | undefined {
  const v = value.trim();
  if (!/^\d+$/.test(v)) return 'Enter a whole number of replicas (0 or more).';
  const n = Number(v);
  if (n > max) return `At most ${max} replicas from here.`;
  return undefined;
}

export async function scaleDeployment(kc: KubeConfig, namespace: string, name: string, replicas: number, opts: { allowKubeSystem?: boolean } = {}): Promise<void> {
  assertNamespaceAllowed(namespace, 'Scale', opts);
  if (!Number.isInteger(replicas) || replicas < 0) throw new UserError(`Invalid replica count ${replicas}.`, 'Invalid');
  const api = apiClient(kc, AppsV1Api);
  try {
    await api.patchNamespacedDeploymentScale(
      { name, namespace, body: { spec: { replicas } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  } catch (err) {
    throw kubeError(err, errCtx(kc, `scale deployment ${namespace}/${name}`));
  }
}

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/** `kubectl rollout restart`: stamps the pod template so the deployment rolls its pods. */
export async function restartDeployment(kc: KubeConfig, namespace: string, name: string, now: Date = new Date(), opts: { allowKubeSystem?: boolean } = {}): Promise<string> {
  assertNamespaceAllowed(namespace, 'Restart', opts);
  const api = apiClient(kc, AppsV1Api);
  const stamp = now.toISOString();
  try {
    await api.patchNamespacedDeployment(
      { name, namespace, body: { spec: { template: { metadata: { annotations: { [RESTARTED_AT]: stamp } } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  } catch (err) {
    throw kubeError(err, errCtx(kc, `restart deployment ${namespace}/${name}`));
  }
  return stamp;
}

export interface ContainerKillOutcome {
  pod: string;
  container: string;
  killed: boolean;
  /** Why not (no such container, no `kill` in the image, exec refused). */
  message?: string;
}

/** The container to kill in a pod: the one named, else the pod's first; undefined when the pod has no such container. */
export function containerToKill(pod: V1Pod, wanted?: string): string | undefined {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  return wanted ? names.find((n) => n === wanted) : names[0];
}

/**
 * Kills one container's PID 1 with `kill -15 1` (or -9) through exec. Killed when `kill` exits 0; otherwise the
 * outcome says why (no such container, no `kill` in the image, its exit code and output, the exec's error).
 */
export async function killContainer(kc: KubeConfig, namespace: string, pod: V1Pod, wanted?: string, signal: 'TERM' | 'KILL' = 'TERM', opts: Pick<KillPodOptions, 'allowKubeSystem'> = {}): Promise<ContainerKillOutcome> {
  assertNamespaceAllowed(namespace, 'Kill container', opts);
  const name = pod.metadata?.name ?? '';
  const container = containerToKill(pod, wanted);
  if (!container) return { pod: name, container: wanted ?? '', killed: false, message: `pod ${name} has no container ${wanted ? `"${wanted}"` : ''}`.trim() };
  const command = ['kill', signal === 'KILL' ? '-9' : '-15', '1'];
  try {
    const r = await execOnce(kc, { namespace, pod: name, container, command });
    if (r.code === 0) return { pod: name, container, killed: true };
    const missing = noProgram(r.status, 'kill');
    return { pod: name, container, killed: false, message: missing ?? `kill 1 exited with ${r.code}${r.output.trim() ? `: ${r.output.trim().slice(0, 200)}` : ''}` };
  } catch (err) {
    return { pod: name, container, killed: false, message: (err as Error)?.message ?? String(err) };
  }
}
