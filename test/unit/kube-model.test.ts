import assert from 'node:assert/strict';
import { validateReplicas, describeObjectYaml, checkKillAllowed } from '../../src/core/kube/actions';
import {
  buildTree,
  findNode,
  podsOfDeployment,
  podStatus,
  treeChanges,
  type TreeNode,
  replacementPod,
  serviceExternalIp,
  servicePorts,
  type KDeployment,
  type KPod,
  type KService,
  type TreeInput,
  type WorkloadSnapshot,
} from '../../src/core/kube/model';
import { kubeAge as age, parseCpu, parseMemory } from '../../src/core/kube/format';
import { usageFromMetrics } from '../../src/core/kube/usage';
import { slim } from '../../src/core/kube/watcher';
import { UserError } from '../../src/core/errors';

const NOW = new Date('2026-11-25T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();

function pod(ns: string, name: string, o: { phase?: string; ready?: boolean[]; restarts?: number; node?: string; created?: number; labels?: Record<string, string>; waiting?: string; deleting?: boolean } = {}): KPod {
  const ready = o.ready ?? [true];
  return {
    metadata: { name, namespace: ns, creationTimestamp: ago(o.created ?? 300), labels: o.labels, deletionTimestamp: o.deleting ? ago(1) : undefined },
    spec: { nodeName: o.node ?? 'node-1', containers: ready.map((_, i) => ({ name: `c${i}` })) },
    status: {
      phase: o.phase ?? 'Running',
      containerStatuses: ready.map((r, i) => ({
        name: `c${i}`,
        ready: r,
        restartCount: i === 0 ? (o.restarts ?? 0) : 0,
        state: o.waiting ? { waiting: { reason: o.waiting } } : { running: { startedAt: ago(200) } },
      })),
    },
  };
}

function deployment(ns: string, name: string, ready: number, desired: number): KDeployment {
  return {
    metadata: { name, namespace: ns, creationTimestamp: ago(3600) },
    spec: { replicas: desired, selector: { matchLabels: { name } } },
    status: { readyReplicas: ready, replicas: desired, updatedReplicas: desired, availableReplicas: ready },
  };
}

function service(ns: string, name: string, type: string, o: Partial<KService['spec']> & { ingress?: string } = {}): KService {
  return {
    metadata: { name, namespace: ns },
    spec: { type, clusterIP: '10.0.0.1', ports: [{ port: 80, protocol: 'TCP', nodePort: type === 'ClusterIP' ? undefined : 30001 }], ...o },
    status: o.ingress ? { loadBalancer: { ingress: [{ ip: o.ingress }] } } : {},
  };
}

const SNAPSHOT: WorkloadSnapshot = {
  namespaces: [{ metadata: { name: 'sock-shop' } }, { metadata: { name: 'kube-system' } }, { metadata: { name: 'monitoring' } }],
  deployments: [deployment('sock-shop', 'carts', 1, 1), deployment('sock-shop', 'front-end', 1, 2), deployment('kube-system', 'coredns', 2, 2)],
  pods: [
    pod('sock-shop', 'front-end-abc', { labels: { name: 'front-end' }, restarts: 3, node: 'pool-1' }),
    pod('sock-shop', 'carts-xyz', { labels: { name: 'carts' }, ready: [true, false] }),
    pod('sock-shop', 'front-end-def', { labels: { name: 'front-end' }, waiting: 'CrashLoopBackOff', ready: [false] }),
    pod('kube-system', 'coredns-1', { labels: { name: 'coredns' } }),
  ],
  services: [service('sock-shop', 'front-end', 'LoadBalancer', { ingress: '203.0.113.7' }), service('sock-shop', 'carts', 'ClusterIP')],
};

const input = (o: Partial<TreeInput> = {}): TreeInput => ({
  context: 'do-sgp1-lab',
  snapshot: SNAPSHOT,
  allNamespaces: false,
  sockShopNamespace: 'sock-shop',
  now: NOW,
  ...o,
});

describe('workloads tree model', () => {
  it('shows only the Sock Shop namespace by default, with Deployments / Pods / Services', () => {
    const root = buildTree(input());
    assert.equal(root.kind, 'context');
    assert.equal(root.contextValue, 'context');
    assert.deepEqual(root.children!.map((c) => c.label), ['sock-shop']);
    const ns = root.children![0];
    assert.equal(ns.contextValue, 'namespace');
    assert.deepEqual(ns.children!.map((g) => `${g.label} ${g.description}`), ['Deployments 2', 'Pods 3', 'Services 2']);
    const pods = ns.children![1].children!.map((p) => p.label);
    assert.deepEqual(pods, ['carts-xyz', 'front-end-abc', 'front-end-def']);
  });

  it('lists sock-shop first and the others sorted when all namespaces are on', () => {
    const root = buildTree(input({ allNamespaces: true }));
    assert.deepEqual(root.children!.map((c) => c.label), ['sock-shop', 'kube-system', 'monitoring']);
    const ks = root.children![1];
    assert.equal(ks.collapsible, 'collapsed');
    const corePod = findNode(root, 'do-sgp1-lab/kube-system/Pods/coredns-1')!;
    assert.equal(corePod.contextValue, 'pod.kube-system');
    // An empty namespace still shows, with empty groups that cannot expand.
    const mon = root.children![2];
    assert.ok(mon.children!.every((g) => g.collapsible === 'none' && g.description === '0'));
  });

  it('describes deployments as ready/desired, with their pods in the tooltip', () => {
    const root = buildTree(input());
    const fe = findNode(root, 'do-sgp1-lab/sock-shop/Deployments/front-end')!;
    assert.equal(fe.contextValue, 'deployment');
    assert.match(fe.description!, /^1\/2 · 60m$/);
    assert.match(fe.tooltip!, /front-end-abc — Running/);
    assert.match(fe.tooltip!, /front-end-def — CrashLoopBackOff/);
    assert.equal(fe.color, 'problemsWarningIcon.foreground');
    assert.deepEqual(fe.ref, { kind: 'Deployment', name: 'front-end', namespace: 'sock-shop', context: 'do-sgp1-lab' });
    assert.deepEqual(podsOfDeployment(SNAPSHOT.deployments[1], SNAPSHOT.pods).map((p) => p.metadata?.name), ['front-end-abc', 'front-end-def']);
  });

  it('describes pods briefly (phase, ready containers, restarts, age); node, IP and usage in the tooltip', () => {
    const usage = new Map([['sock-shop/front-end-abc', { cpuMilli: 12, memoryBytes: 45 * 1024 * 1024 }]]);
    const root = buildTree(input({ usage }));
    const p = findNode(root, 'do-sgp1-lab/sock-shop/Pods/front-end-abc')!;
    assert.equal(p.description, 'Running · 1/1 · 3 restarts · 5m');
    assert.match(p.tooltip!, /\nNode: pool-1\n/);
    assert.match(p.tooltip!, /\nCPU: 12m, memory: 45Mi/);
    assert.equal(p.contextValue, 'pod');
    assert.equal(p.icon, 'circle-filled');
    const carts = findNode(root, 'do-sgp1-lab/sock-shop/Pods/carts-xyz')!;
    assert.match(carts.description!, /^Running · 1\/2 · 5m$/);
    assert.equal(carts.icon, 'clock');
    const crash = findNode(root, 'do-sgp1-lab/sock-shop/Pods/front-end-def')!;
    assert.match(crash.description!, /^CrashLoopBackOff · 0\/1/);
    assert.equal(crash.icon, 'error');
  });

  it('describes services with type, the address people use (external, else cluster IP) and ports', () => {
    const root = buildTree(input());
    const fe = findNode(root, 'do-sgp1-lab/sock-shop/Services/front-end')!;
    assert.equal(fe.description, 'LoadBalancer · 203.0.113.7 · 80:30001/TCP');
    assert.match(fe.tooltip!, /Cluster IP: 10\.0\.0\.1\nExternal IP: 203\.0\.113\.7/);
    assert.equal(fe.contextValue, 'service.loadbalancer.front-end');
    const carts = findNode(root, 'do-sgp1-lab/sock-shop/Services/carts')!;
    assert.equal(carts.description, 'ClusterIP · 10.0.0.1 · 80/TCP');
    assert.equal(carts.contextValue, 'service.clusterip');
    assert.equal(serviceExternalIp(service('x', 'lb', 'LoadBalancer')), '<pending>');
    assert.equal(servicePorts(service('x', 'np', 'NodePort')), '80:30001/TCP');
  });

  it('says when the Sock Shop namespace does not exist, and shows problems above the objects', () => {
    const empty: WorkloadSnapshot = { namespaces: [], deployments: [], pods: [], services: [] };
    const root = buildTree(input({ snapshot: empty }));
    assert.equal(root.children![0].description, 'not deployed');
    const loading = buildTree(input({ snapshot: empty, loading: true }));
    assert.equal(loading.children![0].description, 'loading…');
    const failing = buildTree(input({ problem: 'Cannot reach the Kubernetes API server' }));
    assert.equal(failing.children![0].kind, 'message');
    assert.equal(failing.children![1].label, 'sock-shop');
  });

  it('keeps node ids stable across rebuilds', () => {
    const a = buildTree(input());
    const b = buildTree(input({ now: new Date(NOW.getTime() + 60_000) }));
    const ids = (n: typeof a): string[] => [n.id, ...(n.children ?? []).flatMap(ids)];
    assert.deepEqual(ids(a), ids(b));
  });
});

describe('pod status like kubectl', () => {
  it('reports init containers, terminating and completed pods', () => {
    const init: KPod = {
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'a' }], initContainers: [{ name: 'i' }] },
      status: { phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { running: {} } }], containerStatuses: [{ name: 'a', state: { waiting: { reason: 'PodInitializing' } } }] },
    };
    assert.equal(podStatus(init).text, 'Init:0/1');
    assert.equal(podStatus(pod('n', 'x', { deleting: true })).text, 'Terminating');
    const done: KPod = {
      metadata: { name: 'j' },
      spec: { containers: [{ name: 'a' }] },
      status: { phase: 'Succeeded', containerStatuses: [{ name: 'a', ready: false, state: { terminated: { reason: 'Completed', exitCode: 0 } } }] },
    };
    assert.equal(podStatus(done).text, 'Completed');
    assert.equal(podStatus(done).bad, false);
    const oom: KPod = { metadata: { name: 'o' }, spec: { containers: [{ name: 'a' }] }, status: { phase: 'Running', containerStatuses: [{ name: 'a', restartCount: 4, state: { terminated: { reason: 'OOMKilled', exitCode: 137 } } }] } };
    assert.deepEqual([podStatus(oom).text, podStatus(oom).restarts, podStatus(oom).bad], ['OOMKilled', 4, true]);
  });
});

describe('formatting and quantities', () => {
  it('prints ages like kubectl', () => {
    assert.equal(age(ago(45), NOW), '45s');
    assert.equal(age(ago(330), NOW), '5m30s');
    assert.equal(age(ago(42 * 60), NOW), '42m');
    assert.equal(age(ago(5 * 3600 + 12 * 60), NOW), '5h12m');
    assert.equal(age(ago(3 * 86400 + 4 * 3600), NOW), '3d4h');
    assert.equal(age(undefined, NOW), undefined);
  });

  it('parses CPU and memory quantities and sums container usage per pod', () => {
    assert.equal(parseCpu('250m'), 250);
    assert.equal(parseCpu('1'), 1000);
    assert.equal(parseCpu('1500000n'), 1.5);
    assert.equal(parseMemory('128Mi'), 128 * 1024 * 1024);
    assert.equal(parseMemory('1000k'), 1_000_000);
    const usage = usageFromMetrics({
      items: [
        {
          metadata: { name: 'p', namespace: 'sock-shop', selfLink: '', creationTimestamp: '' },
          timestamp: '',
          window: '30s',
          containers: [
            { name: 'a', usage: { cpu: '5000000n', memory: '10Mi' } },
            { name: 'b', usage: { cpu: '7m', memory: '2048Ki' } },
          ],
        },
      ],
    });
    assert.deepEqual(usage.get('sock-shop/p'), { cpuMilli: 12, memoryBytes: 12 * 1024 * 1024 });
  });

  it('validates replica input', () => {
    assert.equal(validateReplicas('3'), undefined);
    assert.equal(validateReplicas(' 0 '), undefined);
    assert.match(validateReplicas('-1')!, /whole number/);
    assert.match(validateReplicas('1.5')!, /whole number/);
    assert.match(validateReplicas('abc')!, /whole number/);
    assert.match(validateReplicas('1000')!, /At most/);
  });

  it('strips managedFields and last-applied annotations', () => {
    const obj = {
      metadata: { name: 'x', managedFields: [{ manager: 'kubectl' }], annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'me' } },
    };
    slim(obj);
    assert.deepEqual(obj.metadata, { name: 'x', annotations: { keep: 'me' } });
    const yaml = describeObjectYaml({ metadata: { name: 'y', managedFields: [{}] } } as never);
    assert.equal(yaml, 'metadata:\n  name: y\n');
  });

  it('refuses kube-system pods unless allowed', () => {
    assert.throws(() => checkKillAllowed('kube-system', {}), (e: unknown) => e instanceof UserError && /allowKubeSystem/.test(e.message));
    assert.doesNotThrow(() => checkKillAllowed('kube-system', { allowKubeSystem: true }));
    assert.doesNotThrow(() => checkKillAllowed('sock-shop', {}));
  });
});

describe('the replacement of a killed pod', () => {
  const pod = (name: string, created: string, deleting = false) => ({ metadata: { name, creationTimestamp: created, ...(deleting ? { deletionTimestamp: created } : {}) } });
  it('is the newest live pod of the same ReplicaSet, else of the same Deployment', () => {
    const pods = [
      pod('front-end-7f9c6d8b5-aaaaa', '2026-12-02T10:00:00Z'),
      pod('front-end-7f9c6d8b5-bbbbb', '2026-12-02T10:05:00Z'),
      pod('front-end-7f9c6d8b5-ccccc', '2026-12-02T10:06:00Z', true),
      pod('front-end-db-1111111-zzzzz', '2026-12-02T10:07:00Z'),
      pod('carts-55d6b8c4f-qqqqq', '2026-12-02T10:08:00Z'),
    ];
    assert.equal(replacementPod('front-end-7f9c6d8b5-x2k4q', pods), 'front-end-7f9c6d8b5-bbbbb');
    assert.equal(replacementPod('front-end-6c8d7b9f4-x2k4q', pods), 'front-end-7f9c6d8b5-bbbbb', 'a new ReplicaSet after a rollout');
    assert.equal(replacementPod('orders-5d9c7b8f6-x2k4q', pods), undefined);
    assert.equal(replacementPod('front-end-7f9c6d8b5-bbbbb', pods), 'front-end-7f9c6d8b5-aaaaa', 'never itself');
  });
});

describe('what the tree redraws after a rebuild', () => {
  const node = (id: string, description: string, children?: TreeNode[]): TreeNode => ({ id, kind: children ? 'group' : 'pod', label: id, description, collapsible: children ? 'expanded' : 'none', children });
  const index = (root: TreeNode) => {
    const m = new Map<string, TreeNode>();
    const walk = (n: TreeNode) => (m.set(n.id, n), (n.children ?? []).forEach(walk));
    walk(root);
    return m;
  };
  const tree = (podA: string, pods = ['a', 'b']) => node('ctx', 'server', [node('ctx/ns', '2/2', [node('ctx/ns/Pods', String(pods.length), pods.map((p) => node(`ctx/ns/Pods/${p}`, p === 'a' ? podA : 'Running')))])]);

  it('redraws only the row whose description changed (its neighbours keep their identity)', () => {
    assert.deepEqual(treeChanges(index(tree('Running · 5m')), tree('Running · 6m')), { all: false, ids: ['ctx/ns/Pods/a'] });
    assert.deepEqual(treeChanges(index(tree('Running')), tree('Running')), { all: false, ids: [] });
  });

  it('redraws a group when its members change, and everything when there is no previous build or another root', () => {
    assert.deepEqual(treeChanges(index(tree('Running')), tree('Running', ['a', 'c'])), { all: false, ids: ['ctx/ns/Pods'] });
    assert.deepEqual(treeChanges(undefined, tree('Running')), { all: true });
    const other = tree('Running');
    other.id = 'other-ctx';
    assert.deepEqual(treeChanges(index(tree('Running')), other), { all: true });
  });
});

describe('the Nodes group', () => {
  const node = (name: string, o: { ready?: 'True' | 'False'; cordoned?: boolean; roles?: string[] } = {}) => ({
    metadata: { name, creationTimestamp: ago(86_400), labels: Object.fromEntries((o.roles ?? []).map((r) => [`node-role.kubernetes.io/${r}`, ''])) },
    spec: { unschedulable: o.cordoned },
    status: {
      conditions: [{ type: 'Ready', status: o.ready ?? 'True' }],
      nodeInfo: { kubeletVersion: 'v1.33.13' },
      allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
    },
  });
  const input = (nodes: ReturnType<typeof node>[], over: Partial<TreeInput> = {}): TreeInput => ({
    context: 'ctx',
    snapshot: { namespaces: [], deployments: [], services: [], pods: [pod('sock-shop', 'a', { node: 'pool-1' }), pod('sock-shop', 'b', { node: 'pool-1' }), pod('sock-shop', 'c', { node: 'pool-2', deleting: true })], nodes },
    allNamespaces: false,
    sockShopNamespace: 'sock-shop',
    now: NOW,
    ...over,
  });

  it('lists each node with its status, CPU and memory from the metrics API and the pods on it', () => {
    const usage = new Map([['pool-1', { cpuMilli: 1500, memoryBytes: 2 * 1024 ** 3 }]]);
    const root = buildTree(input([node('pool-2', { cordoned: true }), node('pool-1', { roles: ['worker'] })], { nodeUsage: usage }));
    const g = findNode(root, 'ctx/Nodes')!;
    assert.equal(g.description, '2');
    assert.deepEqual(g.children!.map((c) => c.label), ['pool-1', 'pool-2']);
    const one = g.children![0];
    assert.equal(one.description, '1.50 · 2.0Gi · 2 pods in sock-shop');
    assert.match(one.tooltip!, /^Node pool-1\nStatus: Ready\nRoles: worker\nVersion: v1\.33\.13\nInternal IP: 127\.0\.0\.1\nCPU: 1\.50 of 4\.00 allocatable \(38%\)\nMemory: 2\.0Gi of 8\.0Gi allocatable \(25%\)\nPods in sock-shop: 2/);
    assert.deepEqual(one.ref, { kind: 'Node', name: 'pool-1', context: 'ctx' });
    const two = g.children![1];
    assert.equal(two.description, 'cordoned · 0 pods in sock-shop', 'a terminating pod is not counted');
    assert.match(two.tooltip!, /Status: Ready,SchedulingDisabled/);
    assert.equal(two.color, 'problemsWarningIcon.foreground');
  });

  it('says which nodes are not ready, and counts every pod when all namespaces are shown', () => {
    const root = buildTree(input([node('pool-1'), node('pool-2', { ready: 'False' })], { allNamespaces: true }));
    const g = findNode(root, 'ctx/Nodes')!;
    assert.equal(g.description, '2 · 1 not ready');
    assert.equal(g.children![1].contextValue, 'node.notReady');
    assert.match(g.children![1].description!, /^NotReady · 0 pods$/);
    assert.equal(g.children![0].description, '2 pods');
  });

  it('has no Nodes group when the nodes are not listed (not allowed)', () => {
    const root = buildTree(input([]));
    assert.equal(findNode(root, 'ctx/Nodes'), undefined);
    const { nodes: _n, ...without } = input([]).snapshot;
    assert.equal(findNode(buildTree(input([], { snapshot: without })), 'ctx/Nodes'), undefined);
  });

  it('node usage comes from the metrics API\'s node list', async () => {
    const { nodeUsageFromMetrics } = await import('../../src/core/kube/usage');
    const u = nodeUsageFromMetrics({ items: [{ metadata: { name: 'pool-1' }, usage: { cpu: '250m', memory: '512Mi' } }] as never });
    assert.deepEqual(u.get('pool-1'), { cpuMilli: 250, memoryBytes: 512 * 1024 ** 2 });
  });
});
