// The rules every destructive action follows before it touches a cluster: it acts on the current context
// only (an item seen in another context is refused), never on kube-system unless the user's own
// (machine-scoped) setting allows it, and it asks first with a confirmation that names the context and the
// namespace. The texts live here so each one is tested; the UI only shows them.
import { UserError } from '../errors';
import type { ObjectRef } from './refs';

export const KUBE_SYSTEM = 'kube-system';

/** A modal confirmation: `message` is the question, `detail` what will happen, `button` the one way on. */
export interface Confirmation {
  message: string;
  detail: string;
  button: string;
}

/**
 * Refuses an item that was listed in another context than the current one: the tree (or a saved
 * reference) may be stale after a context switch, and acting on it would hit the wrong cluster.
 */
export function assertCurrentContext(ref: Pick<ObjectRef, 'context' | 'kind' | 'name' | 'namespace'> | undefined, current: string): void {
  if (!ref?.context || ref.context === current) return;
  const what = `${ref.kind.toLowerCase()} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
  throw new UserError(
    `The ${what} was listed in context "${ref.context}", but the current context is "${current}". ` +
      'Nothing was changed: pick the object again in the Workloads view, or switch back to that context.',
    'StaleItem',
  );
}

/** Refuses kube-system unless allowed; `action` is the verb phrase for the message ("Kill pod", "Scale"). */
export function assertNamespaceAllowed(namespace: string | undefined, action: string, opts: { allowKubeSystem?: boolean }): void {
  if (namespace === KUBE_SYSTEM && !opts.allowKubeSystem) {
    throw new UserError(
      `${action} refuses kube-system: its pods keep the cluster running. Set "sockShop.allowKubeSystem" to true in your user settings to allow it.`,
      'Refused',
    );
  }
}

/** Refuses a namespace that is not in the chaos allowlist (and kube-system always). */
export function assertChaosNamespace(namespace: string, action: string, allowlist: readonly string[]): void {
  if (namespace === KUBE_SYSTEM) throw new UserError(`${action} never touches kube-system.`, 'ChaosRefused');
  if (!allowlist.includes(namespace)) {
    throw new UserError(
      `${action}: namespace "${namespace}" is not in sockShop.chaos.namespaceAllowlist (${allowlist.length ? allowlist.join(', ') : 'empty'}). Add it in your user settings to allow chaos there.`,
      'ChaosRefused',
    );
  }
}

const where = (context: string, namespace: string) => `namespace "${namespace}" of context "${context}"`;

export function killPodConfirmation(o: { context: string; namespace: string; pod: string; gracePeriodSeconds?: number | null; impact?: readonly string[] }): Confirmation {
  return {
    message: `Kill pod "${o.pod}" in ${where(o.context, o.namespace)}?`,
    detail:
      `The pod is deleted${typeof o.gracePeriodSeconds === 'number' ? ` with a ${o.gracePeriodSeconds} s grace period` : ''}; ` +
      'if a Deployment owns it, a replacement appears in the tree by itself.' +
      (o.impact?.length ? `\n${o.impact.join('\n')}` : ''),
    button: 'Kill pod',
  };
}

export function killContainerConfirmation(o: { context: string; namespace: string; pod: string; container: string; signal: 'TERM' | 'KILL' }): Confirmation {
  return {
    message: `Kill container "${o.container}" of pod "${o.pod}" in ${where(o.context, o.namespace)}?`,
    detail:
      `kill -${o.signal === 'KILL' ? 9 : 15} 1 runs in the container (through exec): its process ends, the kubelet restarts it in the same pod ` +
      '(restarts + 1, after its back-off), and the pod is not ready until its readiness probe passes again. No pod is deleted or replaced.',
    button: 'Kill container',
  };
}

export function scaleConfirmation(o: { context: string; namespace: string; deployment: string; from?: number; to: number }): Confirmation {
  const change = o.from === undefined ? `to ${o.to}` : `from ${o.from} to ${o.to}`;
  const detail =
    o.to === 0
      ? 'Every pod of the deployment is stopped; its Services are left with no endpoint until you scale it up again.'
      : o.from !== undefined && o.to < o.from
        ? `${o.from - o.to} pod${o.from - o.to === 1 ? ' is' : 's are'} stopped.`
        : 'New pods are started; nothing is stopped.';
  return { message: `Scale deployment "${o.deployment}" ${change} replicas in ${where(o.context, o.namespace)}?`, detail, button: 'Scale' };
}

export function restartConfirmation(o: { context: string; namespace: string; deployment: string }): Confirmation {
  return {
    message: `Restart deployment "${o.deployment}" in ${where(o.context, o.namespace)}?`,
    detail: 'Every pod is replaced by a rolling update (the pod template gets a restartedAt annotation, as `kubectl rollout restart` does).',
    button: 'Restart',
  };
}

export function removeConfirmation(o: { context: string; namespace: string }): Confirmation {
  return {
    message: `Delete namespace "${o.namespace}" and everything in it (context "${o.context}")?`,
    detail: 'All Sock Shop deployments, services and their data go with it. DigitalOcean removes the front-end load balancer too.',
    button: 'Delete',
  };
}

/** What a manifest will touch, as the apply plan resolved it through discovery. */
export interface ManifestPlanItem {
  kind: string;
  name: string;
  /** Undefined for cluster-scoped objects. */
  namespace?: string;
}

export function applyManifestConfirmation(o: { context: string; defaultNamespace: string; source: string; items: ManifestPlanItem[] }): Confirmation {
  const clusterScoped = o.items.filter((i) => i.namespace === undefined);
  const namespaces = [...new Set(o.items.filter((i) => i.namespace !== undefined).map((i) => i.namespace!))].sort();
  const others = namespaces.filter((n) => n !== o.defaultNamespace);
  const lines = [`${o.items.length} object${o.items.length === 1 ? '' : 's'} are server-side applied.`];
  if (clusterScoped.length) {
    const list = clusterScoped.map((i) => `${i.kind} ${i.name}`);
    lines.push(`Cluster-scoped (outside any namespace): ${list.slice(0, 8).join(', ')}${list.length > 8 ? `, and ${list.length - 8} more` : ''}.`);
  }
  if (others.length) lines.push(`Namespaces other than "${o.defaultNamespace}": ${others.join(', ')}.`);
  const scope = namespaces.length === 1 && !clusterScoped.length ? `namespace "${namespaces[0]}"` : namespaces.length ? `namespaces ${namespaces.map((n) => `"${n}"`).join(', ')}` : 'the cluster';
  return { message: `Apply ${o.source} to ${scope} of context "${o.context}"?`, detail: lines.join('\n'), button: 'Apply' };
}
