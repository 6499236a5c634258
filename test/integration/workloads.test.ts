// The Workloads model against the lab cluster: kubeconfig loading (certificate and token
// kubeconfigs, merged through KUBECONFIG), the live tree model fed by informers, the actions the
// tree's commands call (Kill pod, Describe, Scale, Restart) and the watch surviving kube-apiserver
// restarts. Nothing is mocked: everything talks to the lab's real kube-apiserver.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { delimiter, join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { UserError } from '../../src/core/errors';
import { describeYaml, followLogs, killPod, RESTARTED_AT, restartDeployment, scaleDeployment } from '../../src/core/kube/actions';
import { loadKubeconfig } from '../../src/core/kube/kubeconfig';
import { buildTree, findNode, type TreeNode } from '../../src/core/kube/model';
import { UsagePoller } from '../../src/core/kube/usage';
import { WorkloadWatcher } from '../../src/core/kube/watcher';
import { apiserverStart, apiserverStop } from '../lab/lab.ts';
import { labInfo } from './hooks.ts';
import { until as untilEvery } from './support.ts';

/** This file's polls run every 100 ms. */
const until: typeof untilEvery = (what, timeoutMs, probe, everyMs = 100) => untilEvery(what, timeoutMs, probe, everyMs);

const NS = `wl-${randomBytes(3).toString('hex')}`;
const APP = 'carts';

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** The tree model the view would show right now. */
function model(w: WorkloadWatcher, context: string): TreeNode {
  const st = w.state();
  return buildTree({ context, snapshot: w.snapshot(), allNamespaces: false, sockShopNamespace: NS, now: new Date(), loading: !st.synced });
}

function podNodes(root: TreeNode): TreeNode[] {
  return findNode(root, `${root.id}/${NS}/Pods`)?.children ?? [];
}

function runningPodNames(root: TreeNode): string[] {
  return podNodes(root)
    .filter((n) => n.description?.startsWith('Running · 1/1'))
    .map((n) => n.label);
}

describe('workloads model against the lab', function () {
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let watcher: WorkloadWatcher;
  let context: string;
  let tmp: string;
  /** Arrival time of each watch event and when the next coalesced model change followed. */
  const eventToModel: number[] = [];
  /** The model as the view shows it: rebuilt only on the watcher's coalesced 'change' events. */
  let shown: TreeNode | undefined;

  before(async function () {
    const info = labInfo();
    tmp = mkdtempSync(join(tmpdir(), 'wl-kc-'));
    // KUBECONFIG with two files, as users have: the token kubeconfig first (its context wins), then the certificate one.
    const loaded = loadKubeconfig({ env: { KUBECONFIG: [info.tokenKubeconfig, info.kubeconfig].join(delimiter) } });
    kc = loaded.kc;
    context = loaded.context;
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: APP },
        spec: {
          replicas: 3,
          selector: { matchLabels: { name: APP } },
          template: {
            metadata: { labels: { name: APP } },
            spec: { terminationGracePeriodSeconds: 0, containers: [{ name: APP, image: 'weaveworksdemos/carts:0.4.8' }] },
          },
        },
      },
    });
    await core.createNamespacedService({
      namespace: NS,
      body: { metadata: { name: APP }, spec: { selector: { name: APP }, ports: [{ port: 80, targetPort: 80 }] } },
    });
    watcher = new WorkloadWatcher(kc, { namespace: NS, coalesceMs: 75 });
    let lastEvent: number | undefined;
    watcher.on('event', (_r: string, t: number) => {
      lastEvent ??= t;
    });
    watcher.on('change', () => {
      // What the view does on each coalesced change: rebuild the tree model.
      shown = model(watcher, context);
      if (lastEvent !== undefined) {
        eventToModel.push(performance.now() - lastEvent);
        lastEvent = undefined;
      }
    });
    await watcher.start();
  });

  after(async function () {
    await watcher?.stop();
    await core?.deleteNamespace({ name: NS }).catch(() => undefined);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('loads merged KUBECONFIG files: the first file’s context, with token auth', function () {
    assert.equal(kc.getCurrentUser()?.token, labInfo().adminToken);
    assert.equal(kc.getCurrentCluster()?.server, labInfo().apiserverUrl);
  });

  it('shows the deployment, its 3 running pods and the service', async function () {
    this.timeout(60_000);
    const root = await until('3 running pods and a 3/3 deployment in the model', 45_000, () => {
      const r = shown;
      const d = r && findNode(r, `${context}/${NS}/Deployments/${APP}`);
      return r && runningPodNames(r).length === 3 && d?.description?.startsWith('3/3') ? r : undefined;
    });
    const dep = findNode(root, `${context}/${NS}/Deployments/${APP}`)!;
    assert.match(dep.description!, /^3\/3/);
    for (const name of runningPodNames(root)) assert.match(dep.tooltip!, new RegExp(`${name} — Running`));
    const pod = podNodes(root)[0];
    assert.equal(pod.contextValue, 'pod');
    assert.match(pod.tooltip!, /\nNode: lab-pool-\d+/, 'the node name is in the tooltip');
    const svc = findNode(root, `${context}/${NS}/Services/${APP}`)!;
    assert.match(svc.description!, /^ClusterIP · \d+\.\d+\.\d+\.\d+ · 80\/TCP$/);
  });

  it('works for a user whose RBAC only covers the namespace (no cluster-wide namespace list)', async function () {
    this.timeout(30_000);
    const sa = 'ns-viewer';
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: sa } } });
    await rbac.createNamespacedRole({
      namespace: NS,
      body: {
        metadata: { name: sa },
        rules: [
          { apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch'] },
        ],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: NS,
      body: {
        metadata: { name: sa },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: sa },
        subjects: [{ kind: 'ServiceAccount', name: sa, namespace: NS }],
      },
    });
    const tr = await core.createNamespacedServiceAccountToken({ name: sa, namespace: NS, body: { spec: { audiences: [], expirationSeconds: 600 } } });
    const doc = parse(readFileSync(labInfo().tokenKubeconfig, 'utf8'));
    doc.users[0].user.token = tr.status!.token;
    const file = join(tmp, 'ns-viewer');
    writeFileSync(file, JSON.stringify(doc));
    const viewer = loadKubeconfig({ settingPath: file });
    const w = new WorkloadWatcher(viewer.kc, { namespace: NS });
    try {
      await w.start();
      const root = await until('the namespace-scoped model', 10_000, () => {
        const st = w.state();
        return st.synced && !st.error && runningPodNames(model(w, viewer.context)).length === 3 ? model(w, viewer.context) : undefined;
      });
      assert.equal(findNode(root, `${viewer.context}/${NS}`)?.contextValue, 'namespace');
      // Nodes are cluster-scoped: a namespace-scoped user gets no Nodes group, and no error for it.
      assert.equal(w.snapshot().nodes, undefined);
      assert.equal(findNode(root, `${viewer.context}/Nodes`), undefined);
    } finally {
      await w.stop();
    }
  });

  it('lists the nodes (kubectl get nodes, kubectl top nodes): status, roles, version, CPU and memory, pods per node', async function () {
    this.timeout(90_000);
    let nodeUsage: Parameters<typeof buildTree>[0]['nodeUsage'];
    const poller = new UsagePoller(kc, { namespace: NS, intervalMs: 1_000, onUsage: () => undefined, onNodeUsage: (u) => (nodeUsage = u) });
    poller.start();
    try {
      const labNodes = (await core.listNode()).items;
      assert.ok(labNodes.length >= 1);
      const root = await until('the Nodes group with CPU numbers', 60_000, () => {
        const r = buildTree({ context, snapshot: watcher.snapshot(), allNamespaces: false, sockShopNamespace: NS, nodeUsage, now: new Date() });
        const g = findNode(r, `${context}/Nodes`);
        return g?.children?.length === labNodes.length && g.children.every((n) => /\d+m|\d\.\d\d/.test(n.description ?? '')) ? r : undefined;
      });
      const group = findNode(root, `${context}/Nodes`)!;
      assert.equal(group.description, String(labNodes.length));
      for (const n of labNodes) {
        const item = findNode(root, `${context}/!nodes/${n.metadata!.name}`)!;
        assert.equal(item.contextValue, 'node');
        assert.deepEqual(item.ref, { kind: 'Node', name: n.metadata!.name, context });
        assert.match(item.tooltip!, /\nStatus: Ready\n/);
        assert.match(item.tooltip!, new RegExp(`\nVersion: ${n.status!.nodeInfo!.kubeletVersion!.replace(/\./g, '\\.')}\n`));
        assert.match(item.tooltip!, /\nCPU: \S+ of \S+ allocatable \(\d+%\)\n/);
        // This namespace's 3 carts pods are on the lab's nodes: the counts add up to at least 3.
      }
      const pods = labNodes.map((n) => Number(new RegExp(`(\\d+) pods? in ${NS}$`).exec(findNode(root, `${context}/!nodes/${n.metadata!.name}`)!.description!)![1]));
      assert.ok(pods.reduce((a, b) => a + b, 0) >= 3, `pods per node: ${pods.join(', ')}`);
      // Describe works on a node too (kubectl describe node).
      assert.match(await describeYaml(kc, { kind: 'Node', name: labNodes[0].metadata!.name! }), /^kind: Node$/m);
    } finally {
      poller.stop();
    }
  });

  it('Kill pod removes the pod and a replacement appears; deletion reaches the model with p95 ≤ 500 ms', async function () {
    this.timeout(240_000);
    const killLatency: number[] = [];
    const ROUNDS = 15;
    for (let i = 0; i < ROUNDS; i++) {
      const before = runningPodNames(shown!);
      assert.equal(before.length, 3, `round ${i}: 3 running pods before the kill`);
      const victim = before[i % before.length];
      const sent = performance.now();
      const result = await killPod(kc, NS, victim, { gracePeriodSeconds: 0 });
      assert.equal(result.deleted, true);
      // Deletion is visible once the pod is Terminating or gone from the model.
      await until(`${victim} terminating or gone in the model`, 5_000, () => {
        const n = podNodes(shown!).find((p) => p.label === victim);
        return !n || n.description?.startsWith('Terminating') ? true : undefined;
      }, 5);
      killLatency.push(performance.now() - sent);
      const after = await until('3 running pods again, without the victim', 30_000, () => {
        const names = runningPodNames(shown!);
        return names.length === 3 && !names.includes(victim) && !podNodes(shown!).some((p) => p.label === victim) ? names : undefined;
      }, 20);
      assert.ok(after.some((n) => !before.includes(n)), 'a new pod replaced the victim');
    }
    const p50 = percentile(killLatency, 50);
    const p95 = percentile(killLatency, 95);
    const e95 = percentile(eventToModel, 95);
    process.stderr.write(
      `      kill → model: p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms over ${ROUNDS} kills; ` +
        `watch event → model: p50 ${percentile(eventToModel, 50).toFixed(0)} ms, p95 ${e95.toFixed(0)} ms over ${eventToModel.length} changes\n`,
    );
    assert.ok(p95 <= 500, `kill → model p95 ${p95.toFixed(0)} ms > 500 ms`);
    assert.ok(e95 <= 500, `event → model p95 ${e95.toFixed(0)} ms > 500 ms`);
  });

  it('says a pod that is already gone is already gone', async function () {
    const r = await killPod(kc, NS, 'no-such-pod-xyz', { gracePeriodSeconds: 0 });
    assert.equal(r.deleted, false);
    assert.match(r.message, /already gone/);
  });

  it('Show Logs of a pod running on a simulated node says it is running and that the node served no log', async function () {
    // An image the lab's process runtime does not know stays simulated by kwok alone: its node serves no log.
    const name = 'simulated-only';
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedPod({ namespace: NS, body: { metadata: { name }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: APP, image: 'lab.invalid/simulated-only:1' }] } } });
    await until('the simulated pod running', 60_000, async () => ((await core.readNamespacedPod({ name, namespace: NS })).status?.phase === 'Running' ? true : undefined));
    // Its "running for" needs a second to read as such.
    await new Promise((r) => setTimeout(r, 1_100));
    const chunks: string[] = [];
    const out = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c.toString()), cb()) });
    try {
      const stream = await followLogs(kc, NS, name, APP, out, { follow: false });
      stream.cancel();
      assert.fail(`kwok's nodes keep no logs, yet the cluster served ${JSON.stringify(chunks.join('').slice(0, 200))}`);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      assert.equal(e.reason, 'NoLogs', e.message);
      assert.match(e.message, /the container has been running for \d+[smh]/);
      assert.doesNotMatch(e.message, /may not have started/);
    } finally {
      await core.deleteNamespacedPod({ name, namespace: NS, gracePeriodSeconds: 0 }).catch(() => undefined);
    }
  });

  it('Describe returns the live object as YAML without managedFields', async function () {
    const name = runningPodNames(model(watcher, context))[0];
    const text = await describeYaml(kc, { kind: 'Pod', name, namespace: NS });
    const obj = parse(text);
    assert.equal(obj.kind, 'Pod');
    assert.equal(obj.metadata.name, name);
    assert.equal(obj.metadata.managedFields, undefined);
    assert.doesNotMatch(text, /managedFields/);
    // Its events close the document, as in kubectl describe (the scheduler's at least).
    assert.match(text, /\n# Events \(newest first\):\n(#.*\n)*#.*Scheduled/);
    await assert.rejects(
      () => describeYaml(kc, { kind: 'Deployment', name: 'nope', namespace: NS }),
      (e: unknown) => e instanceof UserError && /no longer exists/.test(e.message),
    );
  });

  it('Scale and Restart show up in the model by themselves', async function () {
    this.timeout(90_000);
    await scaleDeployment(kc, NS, APP, 2);
    await until('2/2 in the model', 30_000, () => {
      const d = findNode(model(watcher, context), `${context}/${NS}/Deployments/${APP}`);
      return d?.description?.startsWith('2/2') && runningPodNames(model(watcher, context)).length === 2 ? true : undefined;
    });
    const stamp = await restartDeployment(kc, NS, APP);
    const dep = await apps.readNamespacedDeployment({ name: APP, namespace: NS });
    assert.equal(dep.spec?.template?.metadata?.annotations?.[RESTARTED_AT], stamp);
    await scaleDeployment(kc, NS, APP, 3);
    await until('3 running pods after restart + scale', 60_000, () => (runningPodNames(model(watcher, context)).length === 3 ? true : undefined));
  });

  it('reports pod CPU and memory from the metrics API', async function () {
    this.timeout(120_000);
    let last: Map<string, { cpuMilli: number; memoryBytes: number }> | undefined;
    let lastError: unknown;
    const poller = new UsagePoller(kc, { namespace: NS, intervalMs: 2000, absentIntervalMs: 2000, onUsage: (u) => (last = u), onError: (e) => (lastError = e) });
    poller.start();
    try {
      await until('usage for the running pods', 100_000, () => {
        if (lastError) throw lastError;
        // The pods running now: the previous test's restart may still be replacing the ones running when this began.
        const names = runningPodNames(model(watcher, context));
        return last && names.some((n) => last!.has(`${NS}/${n}`)) ? true : undefined;
      }, 500);
    } finally {
      poller.stop();
    }
    const use = [...last!.entries()].find(([k]) => k.startsWith(`${NS}/`))![1];
    assert.ok(use.cpuMilli > 0 && use.memoryBytes > 0, JSON.stringify(use));
    const root = buildTree({ context, snapshot: watcher.snapshot(), allNamespaces: false, sockShopNamespace: NS, now: new Date(), usage: last });
    assert.ok(podNodes(root).some((p) => /\nCPU: \d+m, memory: \d+Mi/.test(p.tooltip ?? '')), 'usage is in the pod tooltips');
  });

  it('equals a fresh list within 10 s after each of 5 kube-apiserver restarts', async function () {
    this.timeout(5 * 120_000);
    const fresh = async () => {
      const [pods, deps, svcs] = await Promise.all([
        core.listNamespacedPod({ namespace: NS }),
        apps.listNamespacedDeployment({ namespace: NS }),
        core.listNamespacedService({ namespace: NS }),
      ]);
      const key = (items: { metadata?: { name?: string; resourceVersion?: string } }[]) =>
        items.map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`).sort().join(',');
      return `${key(pods.items)}|${key(deps.items)}|${key(svcs.items)}`;
    };
    const cached = () => {
      const s = watcher.snapshot();
      const key = (items: readonly { metadata?: { name?: string; resourceVersion?: string; namespace?: string } }[]) =>
        items
          .filter((o) => o.metadata?.namespace === NS)
          .map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`)
          .sort()
          .join(',');
      return `${key(s.pods)}|${key(s.deployments)}|${key(s.services)}`;
    };
    const convergence: number[] = [];
    for (let round = 1; round <= 5; round++) {
      await apiserverStop();
      // While it is down the watch fails and the model must say so rather than pretend.
      await until('the watcher to notice', 10_000, () => (watcher.state().error ? true : undefined));
      await apiserverStart();
      const back = Date.now();
      // Change things right away, while the watcher may still be waiting to reconnect.
      const victim = (await core.listNamespacedPod({ namespace: NS })).items.find((p) => !p.metadata?.deletionTimestamp);
      if (victim) await core.deleteNamespacedPod({ name: victim.metadata!.name!, namespace: NS, gracePeriodSeconds: 0 });
      await scaleDeployment(kc, NS, APP, round % 2 ? 4 : 3);
      let equalAt: number | undefined;
      while (Date.now() - back < 10_000) {
        const [want, have] = [await fresh(), cached()];
        if (want === have && !watcher.state().error) {
          equalAt = Date.now() - back;
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(equalAt !== undefined, `round ${round}: model did not equal a fresh list within 10 s of the apiserver coming back\nfresh:  ${await fresh()}\nmodel:  ${cached()}`);
      convergence.push(equalAt);
    }
    process.stderr.write(`      converged after apiserver restart in ${convergence.join(', ')} ms\n`);
    await scaleDeployment(kc, NS, APP, 3);
  });

});

describe('Kubernetes errors against the lab', function () {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'wl-err-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  function kubeconfigWith(mutate: (doc: any) => void, name = 'cfg'): string {
    const doc = parse(readFileSync(labInfo().tokenKubeconfig, 'utf8'));
    mutate(doc);
    const p = join(tmp, name);
    writeFileSync(p, JSON.stringify(doc));
    return p;
  }

  it('a rejected token (401) says the credentials expired, with the DigitalOcean hint for do-* contexts', async function () {
    const p = kubeconfigWith((doc) => {
      doc.users[0].user.token = `expired-${randomBytes(6).toString('hex')}`;
      doc.contexts[0].name = 'do-sgp1-sock-shop';
      doc['current-context'] = 'do-sgp1-sock-shop';
    });
    const { kc } = loadKubeconfig({ settingPath: p });
    await assert.rejects(
      () => describeYaml(kc, { kind: 'Namespace', name: 'default' }),
      (e: unknown) => e instanceof UserError && e.reason === 'ExpiredCredentials' && /Refresh Credentials/.test(e.message),
    );
    const w = new WorkloadWatcher(kc, { namespace: 'default', initialBackoffMs: 5000 });
    try {
      await w.start();
      const err = w.state().error;
      assert.ok(err instanceof UserError && err.reason === 'ExpiredCredentials', String(err));
    } finally {
      await w.stop();
    }
  });

  it('an unreachable API server names the server URL', async function () {
    const net = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const url = `https://127.0.0.1:${port}`;
    const p = kubeconfigWith((doc) => (doc.clusters[0].cluster.server = url), 'down');
    const { kc } = loadKubeconfig({ settingPath: p });
    await assert.rejects(
      () => killPod(kc, 'default', 'x'),
      (e: unknown) => e instanceof UserError && e.reason === 'Unreachable' && e.message.includes(url),
    );
  });

  it('RBAC refusals (403) say who cannot do what', async function () {
    this.timeout(30_000);
    const info = labInfo();
    const admin = loadKubeconfig({ settingPath: info.kubeconfig }).kc;
    const core = admin.makeApiClient(k8s.CoreV1Api);
    const sa = `viewer-${randomBytes(3).toString('hex')}`;
    await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: sa } } });
    try {
      const tr = await core.createNamespacedServiceAccountToken({ name: sa, namespace: 'default', body: { spec: { audiences: [], expirationSeconds: 600 } } });
      const p = kubeconfigWith((doc) => (doc.users[0].user.token = tr.status!.token), 'sa');
      const { kc } = loadKubeconfig({ settingPath: p });
      await assert.rejects(
        () => killPod(kc, 'default', 'anything'),
        (e: unknown) =>
          e instanceof UserError && e.reason === 'Forbidden' && /RBAC/.test(e.message) && e.message.includes(`system:serviceaccount:default:${sa}`) && /delete/.test(e.message),
      );
    } finally {
      await core.deleteNamespacedServiceAccount({ name: sa, namespace: 'default' }).catch(() => undefined);
    }
  });
});
