// Faults beyond a pod delete, each bounded to the experiment's targets and namespace, never kube-system:
//   nodeDrain  cordon the node that runs most target pods, then evict those pods through the Eviction API, so
//              PodDisruptionBudgets are honoured (a refused eviction is kept with the budget's reason); the
//              node is uncordoned when the experiment ends, whatever happens
//   scaleDown  set each target's replicas to `to` for `holdSeconds`, then back to what they were
//   containerKill  `kill 1` in a container of each victim (through exec, as Chaos Mesh's container-kill has
//              the runtime do it): the container dies and its kubelet restarts it; the pod stays, so no
//              ReplicaSet replaces it and a Service keeps its endpoint, only not ready until the probe passes
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { apiClient } from '../kube/client';
import { httpStatus } from '../errors';
export { containerToKill, killContainer, type ContainerKillOutcome } from '../kube/actions';

export type Fault =
  | { kind: 'podDelete' }
  | { kind: 'nodeDrain'; node?: string }
  | { kind: 'scaleDown'; to: number; holdSeconds: number }
  /** container: by name (default: the pod's first); signal: SIGTERM (default, what `kill 1` sends) or SIGKILL. */
  | { kind: 'containerKill'; container?: string; signal?: 'TERM' | 'KILL' };

export interface EvictionOutcome {
  pod: string;
  evicted: boolean;
  /** The API's reason when refused ("Cannot evict pod as it would violate the pod's disruption budget."). */
  message?: string;
  /** 429 for a budget refusal. */
  status?: number;
}

export function describeFault(f: Fault | undefined): string {
  if (!f || f.kind === 'podDelete') return 'pod delete';
  if (f.kind === 'nodeDrain') return `node drain${f.node ? ` of ${f.node}` : ' (the node with most target pods)'}: cordon, then evict through the Eviction API`;
  if (f.kind === 'containerKill') return `container kill (kill -${f.signal === 'KILL' ? 9 : 15} 1 in ${f.container ? `container ${f.container}` : 'the first container'}; the pod stays and the container restarts)`;
  return `scale down to ${f.to} for ${f.holdSeconds} s`;
}

/** The node to drain: the one given, else the one running most of the pods (ties: by name). */
export function nodeToDrain(pods: readonly V1Pod[], wanted?: string): string | undefined {
  if (wanted) return wanted;
  const count = new Map<string, number>();
  for (const p of pods) if (p.spec?.nodeName) count.set(p.spec.nodeName, (count.get(p.spec.nodeName) ?? 0) + 1);
  return [...count.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

const reasonOf = (err: unknown): string => {
  const body = (err as { body?: unknown })?.body;
  try {
    const j = typeof body === 'string' ? JSON.parse(body) : body;
    if (j && typeof j === 'object' && typeof (j as { message?: unknown }).message === 'string') return (j as { message: string }).message;
  } catch {
    // not JSON
  }
  return (err as Error)?.message ?? String(err);
};

export async function setCordon(kc: KubeConfig, node: string, unschedulable: boolean): Promise<void> {
  await apiClient(kc, CoreV1Api).patchNode({ name: node, body: { spec: { unschedulable } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
}

/** Evicts each pod through the Eviction API (policy/v1); a budget refusal (429) is an outcome, not an error. */
export async function evictPods(kc: KubeConfig, namespace: string, pods: readonly string[], gracePeriodSeconds?: number): Promise<EvictionOutcome[]> {
  const core = apiClient(kc, CoreV1Api);
  return Promise.all(
    pods.map(async (pod): Promise<EvictionOutcome> => {
      try {
        await core.createNamespacedPodEviction({
          name: pod,
          namespace,
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace }, ...(gracePeriodSeconds !== undefined ? { deleteOptions: { gracePeriodSeconds } } : {}) },
        });
        return { pod, evicted: true };
      } catch (err) {
        const status = httpStatus(err);
        if (status === 404) return { pod, evicted: false, status, message: 'already gone' };
        return { pod, evicted: false, status, message: reasonOf(err) };
      }
    }),
  );
}

/** Scales a Deployment and returns what it had (for the way back). */
export async function scaleTo(kc: KubeConfig, namespace: string, name: string, replicas: number): Promise<number> {
  const apps = apiClient(kc, AppsV1Api);
  const before = (await apps.readNamespacedDeployment({ name, namespace })).spec?.replicas ?? 1;
  await apps.patchNamespacedDeploymentScale({ name, namespace, body: { spec: { replicas } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  return before;
}
