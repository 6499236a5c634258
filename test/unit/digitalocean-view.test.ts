import assert from 'node:assert/strict';
import type { DoCluster } from '../../src/core/digitalocean/client';
import { statusCategory } from '../../src/core/digitalocean/flows';
import { ClusterTracker, MemoryStore } from '../../src/core/digitalocean/tracker';
import { clusterRow, loadBalancerLabel, relativeExpiry, trackedOnlyRow } from '../../src/core/digitalocean/view';
import { DO_LB_ID_ANNOTATION, loadBalancerServiceOf, servicesOfLoadBalancer, type LoadBalancerService } from '../../src/core/kube/services';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const cluster = (state: string): DoCluster => ({
  id: 'c1',
  name: 'sock-shop',
  region: 'sgp1',
  version: '1.33.13-do.0',
  status: { state },
  node_pools: [{ name: 'pool', size: 's-1vcpu-2gb', count: 2 }],
});

describe('DigitalOcean tree rows', () => {
  it('maps API states to the four statuses the tree shows', () => {
    assert.equal(statusCategory('provisioning'), 'provisioning');
    assert.equal(statusCategory('upgrading'), 'provisioning');
    assert.equal(statusCategory('running'), 'running');
    assert.equal(statusCategory('degraded'), 'degraded');
    assert.equal(statusCategory('error'), 'errored');
    assert.equal(statusCategory('deleting'), 'deleting');
    assert.equal(statusCategory(undefined), 'unknown');
  });

  it('describes region, version, pools, cost with its load balancers, credentials expiry', () => {
    const lbs = [
      { id: 'lb1', name: 'a1', tags: ['k8s:c1'], size_unit: 1, status: 'active', ip: '10.0.0.1' },
      { id: 'lb2', name: 'other', tags: ['k8s:c2'] },
    ];
    const row = clusterRow(cluster('running'), lbs, new Map([['s-1vcpu-2gb', 12]]), {
      id: 'c1',
      name: 'sock-shop',
      region: 'sgp1',
      context: 'do-sgp1-sock-shop',
      kubeconfigPath: '/k',
      credentialsExpireAt: '2026-12-02T12:00:00Z',
    }, NOW);
    assert.equal(row.status, 'running');
    assert.equal(row.changing, false);
    assert.deepEqual(row.loadBalancers.map((l) => l.id), ['lb1']);
    assert.equal(row.cost.monthly, 36);
    assert.equal(row.description, 'running · sgp1 · ~$36.00/month');
    assert.match(row.tooltip, /Version: 1\.33\.13-do\.0/);
    assert.match(row.tooltip, /Node pools: 2 × s-1vcpu-2gb/);
    assert.match(row.tooltip, /Credentials expire in 7 d/);
    const expired = clusterRow(cluster('running'), [], new Map([['s-1vcpu-2gb', 18]]), {
      id: 'c1',
      name: 'sock-shop',
      region: 'sgp1',
      context: 'do-sgp1-sock-shop',
      kubeconfigPath: '/k',
      credentialsExpireAt: new Date(NOW - 7_200_000).toISOString(),
    }, NOW);
    assert.equal(expired.description, 'running · sgp1 · ~$36.00/month · credentials expired 2 h ago');
    assert.match(row.tooltip, /Load balancers: a1 \(10\.0\.0\.1\)/);
  });

  it('marks provisioning and pending clusters as changing (the tree polls), running ones as idle', () => {
    assert.equal(clusterRow(cluster('provisioning'), [], new Map(), undefined, NOW).changing, true);
    const pending = clusterRow(cluster('running'), [], new Map(), { id: 'c1', name: 'sock-shop', region: 'sgp1', pending: 'destroying' }, NOW);
    assert.equal(pending.changing, true);
    assert.equal(pending.status, 'deleting');
  });

  it('keeps showing a tracked cluster when the API cannot be read', () => {
    const row = trackedOnlyRow({ id: 'c9', name: 'lost', region: 'sgp1' }, 'Cannot reach DigitalOcean');
    assert.equal(row.status, 'unknown');
    assert.match(row.description, /status unknown · sgp1 · Cannot reach DigitalOcean/);
  });

  it('formats expiry relative to now', () => {
    assert.equal(relativeExpiry('2026-11-25T17:00:00Z', NOW), 'in 5 h');
    assert.equal(relativeExpiry('2026-11-25T11:30:00Z', NOW), 'expired 30 min ago');
    assert.equal(relativeExpiry(undefined, NOW), undefined);
  });

  it('tracks created clusters and forgets them only when told', async () => {
    const t = new ClusterTracker(new MemoryStore());
    await t.upsert({ id: 'c1', name: 'a', region: 'sgp1', createdAt: 1 });
    await t.upsert({ id: 'c1', context: 'do-sgp1-a', pending: 'destroying' });
    await t.upsert({ id: 'c1', pending: undefined });
    assert.deepEqual(t.all(), [{ id: 'c1', name: 'a', region: 'sgp1', createdAt: 1, context: 'do-sgp1-a' }]);
    assert.equal(t.byName('a')?.id, 'c1');
    await t.forget('c1');
    assert.deepEqual(t.all(), []);
  });
});

describe('Destroy: a load balancer named by name, IP and the Service it serves', () => {
  const services: LoadBalancerService[] = [
    { namespace: 'sock-shop', name: 'front-end', lbId: 'lb-1', addresses: ['127.10.0.5'] },
    { namespace: 'monitoring', name: 'grafana', addresses: ['127.10.0.9'] },
  ];

  it('finds the Service by the load-balancer-id annotation, else by the IP', () => {
    assert.deepEqual(servicesOfLoadBalancer({ id: 'lb-1', ip: '127.10.0.77' }, services).map((s) => s.name), ['front-end']);
    assert.deepEqual(servicesOfLoadBalancer({ id: 'lb-2', ip: '127.10.0.9' }, services).map((s) => s.name), ['grafana']);
    assert.deepEqual(servicesOfLoadBalancer({ id: 'lb-3', ip: '127.10.0.5' }, services), [], 'an IP taken by an annotated Service is not matched again');
    assert.deepEqual(servicesOfLoadBalancer({ id: 'lb-4' }, services), []);
  });

  it('says name, IP and Service, or why the Service is not known', () => {
    const lb = { id: 'lb-1', name: 'a8f3c2e1d0b94f6e8a7b', ip: '127.10.0.5' };
    assert.equal(loadBalancerLabel(lb, servicesOfLoadBalancer(lb, services)), 'load balancer a8f3c2e1d0b94f6e8a7b (127.10.0.5, Service sock-shop/front-end)');
    assert.equal(loadBalancerLabel(lb, undefined), 'load balancer a8f3c2e1d0b94f6e8a7b (127.10.0.5, its Service unknown: the cluster was not reachable)');
    assert.equal(loadBalancerLabel({ id: 'lb-9', name: '' }, []), 'load balancer lb-9 (no IP yet, no Service of the cluster names it)');
  });

  it('reads a LoadBalancer Service the way DigitalOcean annotates it, and ignores other types', () => {
    assert.deepEqual(
      loadBalancerServiceOf({
        metadata: { namespace: 'sock-shop', name: 'front-end', annotations: { [DO_LB_ID_ANNOTATION]: 'lb-1' } },
        spec: { type: 'LoadBalancer' },
        status: { loadBalancer: { ingress: [{ ip: '127.10.0.5' }] } },
      }),
      { namespace: 'sock-shop', name: 'front-end', lbId: 'lb-1', addresses: ['127.10.0.5'] },
    );
    assert.equal(loadBalancerServiceOf({ metadata: { name: 'x' }, spec: { type: 'ClusterIP' } }), undefined);
  });
});
