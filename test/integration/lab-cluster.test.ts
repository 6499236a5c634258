// Acceptance of the lab's Kubernetes cluster, with @kubernetes/client-node only (no kubectl):
// pods of a Deployment go Running, a deleted pod is replaced, metrics.k8s.io reports usage, the
// static token works and a wrong one is refused, the apiserver survives a kill + start, and a
// LoadBalancer Service gets an address. Nothing here is mocked: it all runs against the lab.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, get as httpGet } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { apiserverStart, apiserverStop } from '../lab/lab.ts';
import { LB_ID_ANNOTATION } from '../lab/lb-controller.ts';
import { USAGE_CPU_ANNOTATION, USAGE_MEMORY_ANNOTATION, addPortForward } from '../lab/cluster.ts';
import { labInfo } from './hooks.ts';
import { until, kubeConfigFrom } from './support.ts';

const NS = `lab-test-${randomBytes(3).toString('hex')}`;
const APP = 'socks';

/** Kubernetes quantity → number (cores or bytes). */
function quantity(q: string): number {
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q);
  if (!m) throw new Error(`not a quantity: ${q}`);
  const units: Record<string, number> = {
    '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3,
  };
  if (!(m[2] in units)) throw new Error(`unknown unit in ${q}`);
  return Number(m[1]) * units[m[2]];
}

async function runningPods(core: k8s.CoreV1Api): Promise<k8s.V1Pod[]> {
  const list = await core.listNamespacedPod({ namespace: NS, labelSelector: `app=${APP}` });
  return list.items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
}

describe('lab cluster (kwok + real control plane)', function () {
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;

  before(async function () {
    kc = kubeConfigFrom(labInfo().kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
  });

  after(async function () {
    await core?.deleteNamespace({ name: NS }).catch(() => undefined);
  });

  it('runs the 3 replicas of a Deployment within 30 s', async function () {
    const t0 = Date.now();
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: APP },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: APP } },
          template: {
            metadata: {
              labels: { app: APP },
              annotations: { [USAGE_CPU_ANNOTATION]: '50m', [USAGE_MEMORY_ANNOTATION]: '64Mi' },
            },
            spec: {
              containers: [{
                name: 'app', image: 'weaveworksdemos/front-end:0.3.12',
                resources: { requests: { cpu: '10m', memory: '32Mi' } },
              }],
            },
          },
        },
      },
    });
    const pods = await until('3 Running pods', 30_000, async () => {
      const p = await runningPods(core);
      return p.length === 3 ? p : undefined;
    });
    assert.equal(pods.length, 3);
    assert.ok(pods.every((p) => p.spec?.nodeName?.startsWith('lab-pool-')), 'pods are scheduled on the lab nodes');
    assert.ok(Date.now() - t0 <= 30_000);
  });

  it('replaces a deleted pod with a new Running one', async function () {
    const [victim] = await runningPods(core);
    await core.deleteNamespacedPod({ name: victim.metadata!.name!, namespace: NS });
    const pods = await until('a Running replacement', 30_000, async () => {
      const p = await runningPods(core);
      const names = p.map((x) => x.metadata!.name);
      return p.length === 3 && !names.includes(victim.metadata!.name) ? p : undefined;
    });
    assert.equal(pods.length, 3);
    assert.ok(!pods.some((p) => p.metadata!.name === victim.metadata!.name));
  });

  it('serves CPU and memory of the pods through metrics.k8s.io', async function () {
    this.timeout(120_000);
    const metrics = new k8s.Metrics(kc);
    const names = (await runningPods(core)).map((p) => p.metadata!.name!);
    // metrics-server needs two scrapes (15 s apart) of a pod before it reports a rate.
    const list = await until('pod metrics for every replica', 90_000, async () => {
      const m = await metrics.getPodMetrics(NS);
      const got = m.items.filter((i) => names.includes(i.metadata.name));
      return got.length === names.length ? got : undefined;
    });
    for (const pod of list) {
      const cpu = pod.containers.reduce((s, c) => s + quantity(c.usage.cpu), 0);
      const mem = pod.containers.reduce((s, c) => s + quantity(c.usage.memory), 0);
      assert.ok(cpu > 0, `${pod.metadata.name} cpu ${cpu}`);
      assert.ok(mem > 0, `${pod.metadata.name} memory ${mem}`);
      // The usage the pod's annotations ask for (50m, 64Mi) is what metrics-server reports.
      assert.ok(Math.abs(cpu - 0.05) < 0.01, `${pod.metadata.name} cpu ${cpu} should be about 0.05 cores`);
      assert.ok(Math.abs(mem - 64 * 1024 ** 2) < 1024 ** 2, `${pod.metadata.name} memory ${mem} should be about 64Mi`);
    }
  });

  it('accepts the static admin token and refuses any other with 401', async function () {
    const info = labInfo();
    const good = kubeConfigFrom(info.tokenKubeconfig);
    const nodes = await good.makeApiClient(k8s.CoreV1Api).listNode();
    assert.ok(nodes.items.length >= 1);

    const bad = kubeConfigFrom(info.tokenKubeconfig);
    const user = bad.getCurrentUser()!;
    bad.users = bad.users.map((u) => (u.name === user.name ? { ...u, token: `expired-${randomBytes(8).toString('hex')}` } : u));
    await assert.rejects(
      () => bad.makeApiClient(k8s.CoreV1Api).listNode(),
      (err: { code?: number }) => err.code === 401,
    );
  });

  it('survives a kill and restart of the kube-apiserver', async function () {
    this.timeout(90_000);
    await apiserverStop();
    await assert.rejects(() => core.listNode(), 'the API must be down while the apiserver is stopped');
    await apiserverStart();
    const nodes = await core.listNode();
    assert.ok(nodes.items.length >= 1);
    // The cluster's state lived on in etcd: the Deployment is still there with its pods.
    const dep = await apps.readNamespacedDeployment({ name: APP, namespace: NS });
    assert.equal(dep.spec?.replicas, 3);
    const pods = await until('3 Running pods after the restart', 30_000, async () => {
      const p = await runningPods(core);
      return p.length === 3 ? p : undefined;
    });
    assert.equal(pods.length, 3);
  });

  it('gives a LoadBalancer Service an external IP like DOKS', async function () {
    await core.createNamespacedService({
      namespace: NS,
      body: {
        metadata: { name: 'front-end' },
        spec: { type: 'LoadBalancer', selector: { app: APP }, ports: [{ port: 80, targetPort: 8079 }] },
      },
    });
    const svc = await until('an ingress IP', 30_000, async () => {
      const s = await core.readNamespacedService({ name: 'front-end', namespace: NS });
      return s.status?.loadBalancer?.ingress?.[0]?.ip ? s : undefined;
    });
    const ip = svc.status!.loadBalancer!.ingress![0].ip!;
    assert.match(ip, /^127\.10\.\d+\.\d+$/);
    assert.ok(svc.metadata?.annotations?.[LB_ID_ANNOTATION], 'the load balancer id annotation is set');
  });

  it('port-forwards through the apiserver to a pod, reaching a loopback server (kwok PortForward)', async function () {
    // The "pod's" server is a real HTTP server on loopback; kwok forwards the pod's port 8079 to it.
    const body = `hello from ${randomBytes(4).toString('hex')}`;
    const backend = createHttpServer((_req, res) => res.end(body));
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const [pod] = await runningPods(core);
    const podName = pod.metadata!.name!;
    await addPortForward(labInfo().kubeconfig, {
      namespace: NS,
      pod: podName,
      ports: [8079],
      target: { address: '127.0.0.1', port: (backend.address() as AddressInfo).port },
    });
    // A local listener tunnels each connection through client-node's PortForward, like `kubectl port-forward`.
    const pf = new k8s.PortForward(kc);
    const local = createNetServer((socket) => {
      pf.portForward(NS, podName, [8079], socket, null, socket).catch(() => socket.destroy());
    });
    await new Promise<void>((r) => local.listen(0, '127.0.0.1', r));
    const port = (local.address() as AddressInfo).port;
    try {
      const got = await until('an answer through the port-forward', 20_000, () =>
        new Promise<string | undefined>((resolve, reject) => {
          const req = httpGet({ host: '127.0.0.1', port, path: '/', timeout: 5_000 }, (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve(text || undefined));
          });
          req.on('timeout', () => req.destroy(new Error('timeout')));
          req.on('error', reject);
        }),
      );
      assert.equal(got, body);
    } finally {
      local.close();
      backend.close();
    }
  });
});
