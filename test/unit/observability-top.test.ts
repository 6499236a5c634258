// kubectl-top style tables (carts-1 uses 151.5m of 100m requested / 300m limit) computed from metrics API items and pod/node specs (client-node's own types).
import assert from 'node:assert/strict';
import type { NodeMetric, PodMetric, V1Node, V1Pod } from '@kubernetes/client-node';
import { parseQuantity } from '../../src/core/kube/format';
import { computeNodeTop, computePodTop, metricsApiError, sortRows } from '../../src/core/observability/top';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const iso = (msAgo: number) => new Date(NOW - msAgo) as unknown as Date;

function podMetric(name: string, containers: [string, string][]): PodMetric {
  return { metadata: { name, namespace: 'sock-shop', creationTimestamp: '' }, timestamp: '', window: '30s', containers: containers.map(([cpu, memory], i) => ({ name: `c${i}`, usage: { cpu, memory } })) } as PodMetric;
}
function pod(name: string, createdMsAgo: number, opts: { req?: [string, string]; lim?: [string, string]; restarts?: number; finishedMsAgo?: number } = {}): V1Pod {
  return {
    metadata: { name, namespace: 'sock-shop', creationTimestamp: iso(createdMsAgo) },
    spec: { nodeName: 'node-0', containers: [{ name: 'c0', resources: { requests: opts.req ? { cpu: opts.req[0], memory: opts.req[1] } : undefined, limits: opts.lim ? { cpu: opts.lim[0], memory: opts.lim[1] } : undefined } }] },
    status: { containerStatuses: [{ name: 'c0', image: 'x', imageID: '', ready: true, restartCount: opts.restarts ?? 0, lastState: opts.finishedMsAgo !== undefined ? { terminated: { exitCode: 137, finishedAt: iso(opts.finishedMsAgo) } } : {} }] },
  } as V1Pod;
}

describe('observability: top tables', () => {
  it('parses Kubernetes quantities', () => {
    assert.equal(parseQuantity('250m'), 0.25);
    assert.equal(parseQuantity('128Mi'), 128 * 1024 ** 2);
    assert.equal(parseQuantity('1500000n'), 0.0015);
    assert.equal(parseQuantity('2'), 2);
    assert.equal(parseQuantity('1k'), 1000);
    assert.equal(parseQuantity('12345Ki'), 12345 * 1024);
    assert.ok(Number.isNaN(parseQuantity('lots')));
  });

  it('sums containers, rounds like kubectl top and computes % of requests/limits', () => {
    const rows = computePodTop(
      [podMetric('carts-1', [['150000000n', '200Mi'], ['1500u', '56Mi']]), podMetric('orders-1', [['10m', '1Gi']])],
      [pod('carts-1', 3_600_000, { req: ['100m', '200Mi'], lim: ['300m', '512Mi'] }), pod('orders-1', 3_600_000)],
      { nowMs: NOW },
    );
    assert.deepEqual(
      rows.map((r) => [r.name, r.cpuMillicores, r.memoryMiB, r.cpuRequestPct, r.cpuLimitPct, r.memoryRequestPct, r.memoryLimitPct]),
      [
        ['carts-1', 152, 256, 152, 51, 128, 50],
        ['orders-1', 10, 1024, undefined, undefined, undefined, undefined],
      ],
    );
  });

  it('marks pods restarted or replaced recently', () => {
    const rows = computePodTop(
      [podMetric('a', [['1m', '1Mi']]), podMetric('b', [['1m', '1Mi']]), podMetric('c', [['1m', '1Mi']])],
      [pod('a', 2 * 3_600_000, { restarts: 2, finishedMsAgo: 120_000 }), pod('b', 30_000), pod('c', 2 * 3_600_000, { restarts: 1, finishedMsAgo: 3_600_000 })],
      { nowMs: NOW },
    );
    assert.equal(rows[0].marker, 'restarted 2m ago');
    assert.equal(rows[0].restarts, 2);
    assert.equal(rows[1].marker, 'new pod, created 30s ago');
    assert.equal(rows[2].marker, undefined);
  });

  it('computes node usage against allocatable', () => {
    const nodes = computeNodeTop(
      [{ metadata: { name: 'node-0' }, timestamp: '', window: '', usage: { cpu: '500m', memory: '1Gi' } } as unknown as NodeMetric],
      [{ metadata: { name: 'node-0' }, status: { allocatable: { cpu: '1', memory: '2Gi' } } } as V1Node],
    );
    assert.deepEqual(nodes, [{ name: 'node-0', cpuMillicores: 500, cpuPct: 50, memoryMiB: 1024, memoryPct: 50 }]);
  });

  it('sorts numerically with missing values last', () => {
    const rows = [{ n: 'a', v: 3 }, { n: 'b', v: undefined }, { n: 'c', v: 10 }];
    assert.deepEqual(sortRows(rows, 'v').map((r) => r.n), ['a', 'c', 'b']);
    assert.deepEqual(sortRows(rows, 'v', true).map((r) => r.n), ['c', 'a', 'b']);
  });

  it('a metrics API 503 says metrics-server is not ready', () => {
    assert.match(metricsApiError({ code: 503, body: 'service unavailable' }).message, /^metrics-server is not ready/);
    assert.match(metricsApiError({ code: 404 }).message, /metrics-server is not installed/);
  });
});
