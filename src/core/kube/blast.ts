// The blast radius of deleting pods, before they are deleted: for each Service of the namespace, its ready
// endpoints now and after the pods are gone, and for each PodDisruptionBudget that covers them, how many
// disruptions it allows — with a plain warning when a Service would be left with no endpoint ("killing 1 of 1
// front-end leaves no endpoint behind the load balancer").
import { CoreV1Api, DiscoveryV1Api, PolicyV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { apiClient } from './client';
import { clusterProblem } from './errors';

export interface ServiceImpact {
  service: string;
  type: string;
  readyNow: number;
  readyAfter: number;
}

export interface BudgetImpact {
  name: string;
  disruptionsAllowed: number;
  /** Of the pods to delete, how many it covers. */
  covers: number;
}

export interface BlastRadius {
  services: ServiceImpact[];
  budgets: BudgetImpact[];
  /** One line per problem worth a second look. */
  warnings: string[];
}

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** Pure: the impact of removing `victims` given the namespace's Services, their endpoints and its PDBs. */
export function blastRadius(o: {
  victims: readonly Pick<V1Pod, 'metadata'>[];
  services: readonly { name: string; type: string; readyPods: readonly string[] }[];
  budgets: readonly { name: string; selector?: Record<string, string>; disruptionsAllowed: number }[];
}): BlastRadius {
  const gone = new Set(o.victims.map((p) => p.metadata?.name ?? ''));
  const services = o.services
    .map((s) => ({ service: s.name, type: s.type, readyNow: s.readyPods.length, readyAfter: s.readyPods.filter((p) => !gone.has(p)).length }))
    .filter((s) => s.readyNow !== s.readyAfter);
  const budgets = o.budgets
    .map((b) => ({ name: b.name, disruptionsAllowed: b.disruptionsAllowed, covers: o.victims.filter((v) => matches(b.selector, v.metadata?.labels)).length }))
    .filter((b) => b.covers > 0);
  const warnings: string[] = [];
  for (const s of services) {
    if (s.readyAfter === 0) {
      const behind = s.type === 'LoadBalancer' ? 'behind the load balancer' : s.type === 'NodePort' ? 'behind its node port' : 'behind the Service';
      warnings.push(`Killing ${s.readyNow - s.readyAfter} of ${s.readyNow} ready ${s.service} endpoint${s.readyNow === 1 ? '' : 's'} leaves no endpoint ${behind}: requests to ${s.service} fail until a replacement is ready.`);
    }
  }
  for (const b of budgets) {
    if (b.covers > b.disruptionsAllowed) {
      warnings.push(`PodDisruptionBudget ${b.name} allows ${b.disruptionsAllowed} disruption${b.disruptionsAllowed === 1 ? '' : 's'} now; deleting ${b.covers} of its pods goes past it (a delete is not an eviction: the budget does not stop it).`);
    }
  }
  return { services, budgets, warnings };
}

/** Reads the namespace's Services, EndpointSlices and PDBs and works out the impact of deleting victims. */
export async function readBlastRadius(kc: KubeConfig, namespace: string, victims: readonly V1Pod[]): Promise<BlastRadius> {
  try {
    const [svcs, slices, pdbs] = await Promise.all([
      apiClient(kc, CoreV1Api).listNamespacedService({ namespace }),
      apiClient(kc, DiscoveryV1Api).listNamespacedEndpointSlice({ namespace }),
      apiClient(kc, PolicyV1Api).listNamespacedPodDisruptionBudget({ namespace }),
    ]);
    const services = svcs.items.map((s) => {
      const name = s.metadata?.name ?? '';
      const readyPods = slices.items
        .filter((sl) => sl.metadata?.labels?.['kubernetes.io/service-name'] === name)
        .flatMap((sl) => sl.endpoints ?? [])
        .filter((e) => e.conditions?.ready !== false && e.targetRef?.kind === 'Pod')
        .map((e) => e.targetRef!.name ?? '');
      return { name, type: s.spec?.type ?? 'ClusterIP', readyPods: [...new Set(readyPods)] };
    });
    const budgets = pdbs.items.map((p) => ({ name: p.metadata?.name ?? '', selector: p.spec?.selector?.matchLabels, disruptionsAllowed: p.status?.disruptionsAllowed ?? 0 }));
    return blastRadius({ victims, services, budgets });
  } catch (err) {
    throw clusterProblem(err, kc) ?? err;
  }
}

/** The radius as lines for a confirmation's detail. */
export function blastLines(b: BlastRadius): string[] {
  const lines = b.services.map((s) => `Service ${s.service}: ${s.readyNow} → ${s.readyAfter} ready endpoint${s.readyAfter === 1 ? '' : 's'}.`);
  for (const p of b.budgets) lines.push(`PodDisruptionBudget ${p.name}: allows ${p.disruptionsAllowed} disruption${p.disruptionsAllowed === 1 ? '' : 's'} now, covers ${p.covers} of the pods.`);
  return [...b.warnings.map((w) => `⚠ ${w}`), ...lines];
}

/** The blast-radius lines of deleting one pod (a line saying why when they cannot be read: the kill may still go on). */
export async function podKillImpact(kc: KubeConfig, namespace: string, pod: string): Promise<string[]> {
  try {
    const p = await apiClient(kc, CoreV1Api).readNamespacedPod({ name: pod, namespace });
    return blastLines(await readBlastRadius(kc, namespace, [p]));
  } catch (err) {
    return [`(The effect on Services could not be read: ${(clusterProblem(err, kc) ?? (err as Error))?.message ?? err}.)`];
  }
}
