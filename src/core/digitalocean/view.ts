// What the DigitalOcean tree shows for a cluster, computed without VS Code: status category, one-line
// description (region, version, pools, cost, credentials expiry), tooltip, and whether it is changing
// (the tree polls while anything is).
import { belongsToCluster, type DoCluster, type DoLoadBalancer } from './client';
import { describeCost, estimateMonthlyCost, type CostEstimate } from './cost';
import { CHANGING_STATES, statusCategory, type StatusCategory } from './flows';
import type { TrackedCluster } from './tracker';

export interface ClusterRow {
  id: string;
  name: string;
  region: string;
  status: StatusCategory;
  state: string;
  description: string;
  tooltip: string;
  changing: boolean;
  cost: CostEstimate;
  loadBalancers: DoLoadBalancer[];
  tracked?: TrackedCluster;
}

/** "in 6 d", "in 5 h", "expired 2 h ago". */
export function relativeExpiry(iso: string | undefined, now: number): string | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return undefined;
  const d = t - now;
  const abs = Math.abs(d);
  const unit = abs >= 86_400_000 ? `${Math.round(abs / 86_400_000)} d` : abs >= 3_600_000 ? `${Math.round(abs / 3_600_000)} h` : `${Math.max(1, Math.round(abs / 60_000))} min`;
  return d >= 0 ? `in ${unit}` : `expired ${unit} ago`;
}

export function pools(cluster: DoCluster): string {
  return (cluster.node_pools ?? []).map((p) => `${p.count} × ${p.size}`).join(', ') || 'no node pools';
}

export function clusterRow(
  cluster: DoCluster,
  allLoadBalancers: readonly DoLoadBalancer[],
  prices: ReadonlyMap<string, number>,
  tracked: TrackedCluster | undefined,
  now = Date.now(),
): ClusterRow {
  const state = tracked?.pending ?? cluster.status?.state ?? 'unknown';
  const status = tracked?.pending === 'destroying' ? 'deleting' : statusCategory(cluster.status?.state);
  const lbs = allLoadBalancers.filter((lb) => belongsToCluster(lb, cluster.id));
  const cost = estimateMonthlyCost(cluster.node_pools ?? [], prices, lbs);
  const expiry = relativeExpiry(tracked?.credentialsExpireAt, now);
  // Short for the default sidebar width: version, pools and the credentials' expiry are in the tooltip (and
  // the pools are the cluster's children); only credentials that have expired make it to the row.
  const parts = [state, cluster.region, describeCost(cost)];
  if (expiry?.startsWith('expired')) parts.push(`credentials ${expiry}`);
  const tooltip = [
    `${cluster.name} (${cluster.id})`,
    `Status: ${state}${cluster.status?.message && cluster.status.message !== state ? ` — ${cluster.status.message}` : ''}`,
    `Region: ${cluster.region}   Version: ${cluster.version}`,
    `Node pools: ${pools(cluster)}`,
    `Load balancers: ${lbs.length ? lbs.map((l) => `${l.name}${l.ip ? ` (${l.ip})` : ''}`).join(', ') : 'none'}`,
    `Estimated cost: ${describeCost(cost)}`,
    ...cost.lines.map((l) => `  ${l}`),
    tracked?.context ? `Kubeconfig: context ${tracked.context} in ${tracked.kubeconfigPath}` : 'Kubeconfig: not saved (use Connect)',
    expiry ? `Credentials expire ${expiry} (${tracked?.credentialsExpireAt})` : '',
  ].filter(Boolean);
  return {
    id: cluster.id,
    name: cluster.name,
    region: cluster.region,
    status,
    state,
    description: parts.join(' · '),
    tooltip: tooltip.join('\n'),
    changing: CHANGING_STATES.has(cluster.status?.state ?? '') || Boolean(tracked?.pending),
    cost,
    loadBalancers: lbs,
    tracked,
  };
}

/** A cluster we created but cannot see right now (the list failed): still shown, never dropped. */
export function trackedOnlyRow(t: TrackedCluster, why: string): ClusterRow {
  return {
    id: t.id,
    name: t.name,
    region: t.region,
    status: 'unknown',
    state: 'unknown',
    description: `status unknown · ${t.region} · ${why}`,
    tooltip: `${t.name} (${t.id})\nCreated from this editor; its status could not be read: ${why}`,
    changing: true,
    cost: estimateMonthlyCost([], new Map()),
    loadBalancers: [],
    tracked: t,
  };
}

/**
 * A load balancer as a person recognises it: DOKS names them after the Service's uid, which reads like an
 * id, so the label adds its IP and the Service it serves when known ("a1b2… (203.0.113.7, Service sock-shop/front-end)").
 */
export function loadBalancerLabel(lb: { id: string; name?: string; ip?: string }, services?: readonly { namespace: string; name: string }[]): string {
  const parts = [lb.ip ? lb.ip : 'no IP yet'];
  if (services === undefined) parts.push('its Service unknown: the cluster was not reachable');
  else if (services.length) parts.push(`${services.length === 1 ? 'Service' : 'Services'} ${services.map((s) => `${s.namespace}/${s.name}`).join(', ')}`);
  else parts.push('no Service of the cluster names it');
  return `load balancer ${lb.name || lb.id} (${parts.join(', ')})`;
}
