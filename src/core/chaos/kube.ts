// kube-monkey against a cluster: label a Deployment (and follow the pods rolling), install kube-monkey with
// server-side apply, follow its logs, and ask the apiserver what its ServiceAccount may do.
import { PassThrough, type Writable } from 'node:stream';
import {
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  Log,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Deployment,
} from '@kubernetes/client-node';
import { httpStatus, UserError } from '../errors';
import { Applier, groupForApply, type ApplyOutcome } from '../kube/apply';
import { apiClient } from '../kube/client';
import { sleep as delay } from '../async';
import { clusterProblem, objectErrorMessage } from '../kube/errors';
import type { KubeObject } from '../kube/objects';
import { waitForRollout, type DeploymentProgress } from '../kube/rollout';
import { FORBIDDEN_NAMESPACES } from './experiment';
import { KUBE_MONKEY_NAME, labelsPatch, type KubeMonkeyLabels } from './kubemonkey';

function refuseForbidden(namespace: string): void {
  if (FORBIDDEN_NAMESPACES.has(namespace)) throw new UserError(`kube-monkey labels are never put on ${namespace} workloads.`, 'ChaosRefused');
}

/** Patches a Deployment with exactly kube-monkey's labels (JSON merge patch). Returns the patched Deployment. */
export async function applyKubeMonkeyLabels(kc: KubeConfig, namespace: string, name: string, labels: KubeMonkeyLabels): Promise<V1Deployment> {
  refuseForbidden(namespace);
  const body = labelsPatch(labels);
  const apps = apiClient(kc, AppsV1Api);
  try {
    return await apps.patchNamespacedDeployment({ name, namespace, body }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  } catch (err) {
    const cluster = clusterProblem(err, kc);
    if (cluster) throw cluster;
    if (httpStatus(err) === 404) throw new UserError(`Deployment ${namespace}/${name} does not exist.`, 'NotFound');
    throw new UserError(`Labelling Deployment ${namespace}/${name} failed: ${objectErrorMessage(err)}`, 'PatchFailed');
  }
}

/** Labels several Deployments, then follows their rollout until the new ReplicaSets are available. */
export async function labelAndRoll(
  kc: KubeConfig,
  namespace: string,
  targets: { name: string; labels: KubeMonkeyLabels }[],
  opts: { timeoutMs?: number; signal?: AbortSignal; onProgress?: (p: DeploymentProgress[]) => void; onPatched?: (d: V1Deployment) => void } = {},
): Promise<DeploymentProgress[]> {
  for (const t of targets) {
    const patched = await applyKubeMonkeyLabels(kc, namespace, t.name, t.labels);
    opts.onPatched?.(patched);
  }
  return waitForRollout(kc, namespace, targets.map((t) => t.name), { timeoutMs: opts.timeoutMs ?? 180_000, signal: opts.signal, onProgress: opts.onProgress });
}

/** Applies the install objects (server-side apply, in dependency order). */
export async function installKubeMonkey(
  kc: KubeConfig,
  objects: KubeObject[],
  opts: { dryRun?: boolean; signal?: AbortSignal; onOutcome?: (o: ApplyOutcome) => void } = {},
): Promise<ApplyOutcome[]> {
  for (const o of objects) if (o.metadata.namespace) refuseForbidden(o.metadata.namespace);
  const applier = new Applier(kc);
  return applier.apply(groupForApply(objects), { dryRun: opts.dryRun, force: true, signal: opts.signal, onOutcome: opts.onOutcome });
}

export interface LogFollow {
  /** Resolves when the stream ends (pod gone, aborted) with why. */
  done: Promise<string>;
  stop(): void;
}

/**
 * Follows the logs of kube-monkey's pod into out. When the pod has no running container (not started yet, or a
 * cluster without a container runtime) it says so and retries every few seconds until stopped.
 */
export function followKubeMonkeyLogs(kc: KubeConfig, namespace: string, out: (line: string) => void, opts: { retryMs?: number } = {}): LogFollow {
  const core = apiClient(kc, CoreV1Api);
  const ac = new AbortController();
  let current: AbortController | undefined;
  const done = (async (): Promise<string> => {
    let lastNote = '';
    const note = (m: string) => {
      if (m !== lastNote) out(m);
      lastNote = m;
    };
    while (!ac.signal.aborted) {
      let pod: string | undefined;
      try {
        const pods = await core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/name=${KUBE_MONKEY_NAME}` });
        pod = pods.items.find((p) => !p.metadata?.deletionTimestamp)?.metadata?.name;
      } catch (err) {
        note(`[cannot list kube-monkey pods: ${objectErrorMessage(err)}]`);
      }
      if (pod) {
        const stream = new PassThrough();
        let buf = '';
        let got = false;
        stream.on('data', (chunk: Buffer) => {
          got = true;
          buf += chunk.toString('utf8');
          const lines = buf.split('\n');
          buf = lines.pop() ?? '';
          for (const l of lines) out(l);
        });
        try {
          current = await new Log(kc).log(namespace, pod, KUBE_MONKEY_NAME, stream as Writable, { follow: true, tailLines: 200 });
          await new Promise<void>((resolve) => {
            stream.on('end', resolve);
            stream.on('close', resolve);
            ac.signal.addEventListener('abort', () => resolve(), { once: true });
          });
          if (buf) out(buf);
          if (!got) note(`[pod ${pod}: no log output yet]`);
        } catch (err) {
          const status = httpStatus(err);
          const why = status ? `the log endpoint answered HTTP ${status}` : String((err as Error)?.message ?? err).split('\n')[0];
          note(`[pod ${pod}: no logs available (${why}); its container may not be running yet — retrying]`);
        }
      } else {
        note(`[no kube-monkey pod in ${namespace} yet]`);
      }
      if (ac.signal.aborted) break;
      await delay(opts.retryMs ?? 5000, ac.signal).catch(() => undefined);
    }
    return 'stopped';
  })();
  return {
    done,
    stop: () => {
      ac.abort();
      current?.abort();
    },
  };
}

export interface AccessQuestion {
  verb: string;
  resource: string;
  group?: string;
  namespace?: string;
}

/** Whether a ServiceAccount may do something, answered by the apiserver (a SubjectAccessReview). */
export async function serviceAccountCan(kc: KubeConfig, sa: { namespace: string; name: string }, q: AccessQuestion): Promise<{ allowed: boolean; reason?: string }> {
  const authz = apiClient(kc, AuthorizationV1Api);
  const r = await authz.createSubjectAccessReview({
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: `system:serviceaccount:${sa.namespace}:${sa.name}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${sa.namespace}`, 'system:authenticated'],
        resourceAttributes: { verb: q.verb, resource: q.resource, group: q.group ?? '', ...(q.namespace ? { namespace: q.namespace } : {}) },
      },
    },
  });
  return { allowed: !!r.status?.allowed, reason: r.status?.reason };
}
