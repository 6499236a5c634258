// Estimated monthly cost of a DOKS cluster: node pools (size price × count) plus load balancers.
// The control plane of a non-HA DOKS cluster is free, so it adds nothing.
//
// Node prices come from the API (`price_monthly` of GET /v2/sizes, or of /v2/kubernetes/options
// where it carries prices). Load balancers have no price in the API, so we use DigitalOcean's
// published price for a regional load balancer: US$12.00 per month per node (docs.digitalocean.com,
// Load Balancers › Pricing; a small, one-node balancer is what DOKS creates for a LoadBalancer
// Service by default). `size_unit` (nodes) multiplies it; the deprecated `size` maps to 1/3/6 nodes.

export const LOAD_BALANCER_NODE_PRICE_MONTHLY = 12;

export interface PoolForCost {
  size: string;
  count: number;
}

export interface LoadBalancerForCost {
  size_unit?: number;
  size?: string;
}

export interface CostEstimate {
  /** US$ per month; undefined when some pool's size has no known price. */
  monthly: number | undefined;
  nodes: number;
  loadBalancers: number;
  /** Lines explaining the figure ("2 × s-1vcpu-2gb @ $12.00 = $24.00"). */
  lines: string[];
  /** Sizes without a known price. */
  unpriced: string[];
}

const LEGACY_LB_NODES: Record<string, number> = { 'lb-small': 1, 'lb-medium': 3, 'lb-large': 6 };

export function loadBalancerNodes(lb: LoadBalancerForCost): number {
  if (typeof lb.size_unit === 'number' && lb.size_unit >= 1) return lb.size_unit;
  if (lb.size && LEGACY_LB_NODES[lb.size]) return LEGACY_LB_NODES[lb.size];
  return 1;
}

export function money(n: number): string {
  return `$${n.toFixed(2)}`;
}

export function estimateMonthlyCost(
  pools: readonly PoolForCost[],
  prices: ReadonlyMap<string, number> | Record<string, number>,
  loadBalancers: readonly LoadBalancerForCost[] = [],
  lbNodePrice = LOAD_BALANCER_NODE_PRICE_MONTHLY,
): CostEstimate {
  const price = (slug: string): number | undefined =>
    prices instanceof Map ? prices.get(slug) : (prices as Record<string, number>)[slug];
  let total = 0;
  const lines: string[] = [];
  const unpriced: string[] = [];
  let nodes = 0;
  for (const pool of pools) {
    nodes += pool.count;
    const p = price(pool.size);
    if (p === undefined || !Number.isFinite(p)) {
      unpriced.push(pool.size);
      lines.push(`${pool.count} × ${pool.size} @ price unknown`);
      continue;
    }
    const sub = p * pool.count;
    total += sub;
    lines.push(`${pool.count} × ${pool.size} @ ${money(p)} = ${money(sub)}`);
  }
  let lbCount = 0;
  for (const lb of loadBalancers) {
    const n = loadBalancerNodes(lb);
    lbCount++;
    const sub = n * lbNodePrice;
    total += sub;
    lines.push(`load balancer (${n} node${n === 1 ? '' : 's'}) @ ${money(lbNodePrice)}/node = ${money(sub)}`);
  }
  total = Math.round(total * 100) / 100;
  return { monthly: unpriced.length ? undefined : total, nodes, loadBalancers: lbCount, lines, unpriced };
}

/** "$36.00/month" or "cost unknown (no price for x)". */
export function describeCost(c: CostEstimate): string {
  if (c.monthly === undefined) return `cost unknown (no price for ${c.unpriced.join(', ')})`;
  return `~${money(c.monthly)}/month`;
}
