// The metrics panel's host side against the lab: the real Prometheus (reached through an apiserver
// port-forward to the Prometheus pod, and through its URL), the dashboards from the stack's
// ConfigMaps, kwok pods with simulated usage, and metrics-server. Nothing is mocked. Two fault
// stand-ins, both real network parts of our own, because the lab's Prometheus and metrics-server are
// shared by other suites and must not be stopped: a loopback TCP relay in front of Prometheus that we
// stop and start again, and a loopback HTTP relay in front of the apiserver that answers 503 for
// metrics.k8s.io the way the aggregator does when metrics-server is down.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { USAGE_CPU_ANNOTATION, USAGE_MEMORY_ANNOTATION } from '../lab/cluster.ts';
import { installMonitoringStack } from '../lab/monitoring.ts';
import { labInfo } from './hooks.ts';
import { MetricsController } from '../../src/core/observability/controller';
import { kubeTransport } from '../../src/core/kube/http';
import { detectMonitoring, resolvePrometheus, type AccessPath } from '../../src/core/observability/prometheus';
import { parseQuantity } from '../../src/core/kube/format';
import { fetchTop } from '../../src/core/observability/top';
import type { HostMessage } from '../../src/common/contracts/metrics';
import type { TableData, TimeseriesData } from '../../src/core/observability/engine';
import { until as untilEvery } from './support.ts';

/** This file's polls run every 1000 ms. */
const until: typeof untilEvery = (what, timeoutMs, probe, everyMs = 1000) => untilEvery(what, timeoutMs, probe, everyMs);

const NS = 'sock-shop';
const APP = `obs-${randomBytes(3).toString('hex')}`;
const REPLICAS = 3;

/** A loopback TCP relay we can stop and start on the same port. */
class Relay {
  private server?: Server;
  private sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}
  async start(): Promise<void> {
    this.server = createServer((s) => {
      const up = connect(this.target.port, this.target.host);
      this.sockets.add(s).add(up);
      s.pipe(up).pipe(s);
      const done = () => {
        s.destroy();
        up.destroy();
        this.sockets.delete(s);
        this.sockets.delete(up);
      };
      s.on('error', done).on('close', done);
      up.on('error', done).on('close', done);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
  }
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

function controllerFor(kc: k8s.KubeConfig, order: AccessPath[], url?: string) {
  const messages: HostMessage[] = [];
  const c = new MetricsController(
    { post: (m) => messages.push(m), kubeConfig: async () => kc, prometheusUrl: () => url, log: () => undefined, accessOrder: order, topNamespace: NS, timeoutMs: 5_000 },
    { refreshSeconds: 0, range: '15m' },
  );
  return { c, messages };
}

describe('observability on the lab (Prometheus, dashboards ConfigMaps, metrics API)', function () {
  this.timeout(180_000);
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let prometheusUrl: string;
  let pods: string[] = [];

  before(async function () {
    const lab = labInfo();
    prometheusUrl = lab.urls.monitoring.prometheus;
    kc = new k8s.KubeConfig();
    kc.loadFromFile(lab.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    await installMonitoringStack(lab.kubeconfig);
    await core.createNamespace({ body: { metadata: { name: NS } } }).catch((err) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
    const labels = { app: APP };
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: APP, labels },
        spec: {
          replicas: REPLICAS,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels, annotations: { [USAGE_CPU_ANNOTATION]: '150m', [USAGE_MEMORY_ANNOTATION]: '300Mi' } },
            spec: { containers: [{ name: 'app', image: 'weaveworksdemos/carts:0.4.8', resources: { requests: { cpu: '100m', memory: '200Mi' }, limits: { cpu: '300m', memory: '600Mi' } } }] },
          },
        },
      },
    });
    pods = await until(`${REPLICAS} Running pods`, 60_000, async () => {
      const list = (await core.listNamespacedPod({ namespace: NS, labelSelector: `app=${APP}` })).items.filter((p) => p.status?.phase === 'Running');
      return list.length === REPLICAS ? list.map((p) => p.metadata!.name!).sort() : undefined;
    });
  });

  after(async function () {
    await apps?.deleteNamespacedDeployment({ name: APP, namespace: NS }).catch(() => undefined);
  });

  it('detects the Monitoring Stack and metrics-server', async function () {
    const m = await detectMonitoring(kc);
    assert.equal(m.namespace, 'kube-prometheus-stack');
    assert.equal(m.prometheus?.name, 'kube-prometheus-stack-prometheus');
    assert.equal(m.prometheus?.port, 9090);
    assert.equal(m.grafana?.name, 'kube-prometheus-stack-grafana');
    assert.equal(m.grafana?.port, 80);
    assert.equal(m.metricsServer.available, true, m.metricsServer.message);
  });

  it('prefers the port-forward, and says which path it uses', async function () {
    const m = await detectMonitoring(kc);
    const { access, attempts } = await resolvePrometheus({ kc, monitoring: m, url: prometheusUrl });
    try {
      assert.equal(access.path, 'port-forward');
      assert.match(access.description, /^port-forward 127\.0\.0\.1:\d+ → pod kube-prometheus-stack\/prometheus-kube-prometheus-stack-prometheus-0:9090$/);
      assert.deepEqual(attempts.map((a) => a.path), ['port-forward']);
      assert.match((await access.client.buildInfo()).version, /^2\./);
    } finally {
      await access.dispose();
    }
  });

  for (const path of ['port-forward', 'url'] as const) {
    it(`every CPU and memory panel of the namespace dashboard has a series per sock-shop pod (${path})`, async function () {
      const { c, messages } = controllerFor(kc, [path], prometheusUrl);
      try {
        await c.start();
        assert.equal(c.access?.path, path, c.accessError);
        assert.equal(c.dashboard?.title, 'Kubernetes / Compute Resources / Namespace (Pods)');
        assert.deepEqual(c.dashboard?.skipped, []);
        assert.equal(c.variables.find((v) => v.name === 'namespace')?.value, NS);
        const status = messages.filter((m) => m.type === 'status').pop() as Extract<HostMessage, { type: 'status' }>;
        assert.equal(status.access?.path, path);
        const cpuMem = c.dashboard!.panels.filter((p) => /CPU|Memory/.test(p.title));
        assert.equal(cpuMem.length, 8);
        // New pods show up in rate5m rules after two rule evaluations: refresh until they do.
        await until('every CPU/memory panel covers every pod', 90_000, async () => {
          await c.refresh();
          for (const p of cpuMem) {
            const st = c.panelStates.get(p.id)!;
            if (st.error) throw new Error(`${p.title}: ${st.error}`);
            const d = st.data;
            if (!d) return undefined;
            if (d.kind === 'timeseries') {
              const names = (d as TimeseriesData).series.filter((s) => s.refId === 'A').map((s) => s.name);
              if (!pods.every((pod) => names.filter((n) => n === pod).length === 1)) return undefined;
            } else if (d.kind === 'table') {
              const t = d as TableData;
              const podCol = t.columns.findIndex((col) => col.name === 'Pod');
              const rows = t.rows.filter((r) => pods.includes(r[podCol] as string));
              if (rows.length !== REPLICAS) return undefined;
              // Every numeric column of our pods has a finite value (requests, limits, usage, %).
              for (const r of rows) for (const [i, col] of t.columns.entries()) if (col.unit && col.unit !== 'time' && !/Cache|Swap|RSS/.test(col.name) && !Number.isFinite(r[i] as number)) return undefined;
            } else if (d.kind === 'stat') {
              if (!d.values.every((v) => v.value !== null && Number.isFinite(v.value))) return undefined;
            }
          }
          return true;
        });
        // Values the pods' simulated usage dictates: 300Mi working set each.
        const mem = c.dashboard!.panels.find((p) => p.title === 'Memory Quota')!;
        const t = c.panelStates.get(mem.id)!.data as TableData;
        const podCol = t.columns.findIndex((col) => col.name === 'Pod');
        const usage = t.columns.findIndex((col) => col.name === 'Memory Usage');
        const reqPct = t.columns.findIndex((col) => col.name === 'Memory Requests %');
        for (const r of t.rows.filter((row) => pods.includes(row[podCol] as string))) {
          assert.equal(r[usage], 300 * 2 ** 20);
          assert.equal(r[reqPct], 1.5);
        }
        assert.ok(t.text.some((row) => row[usage] === '300 MiB'), JSON.stringify(t.text));
        // One refresh sends fewer queries than the dashboard has targets (dedupe + derived ratios).
        assert.ok(c.lastStats!.queries < c.lastStats!.targets, JSON.stringify(c.lastStats));
      } finally {
        await c.dispose();
      }
    });
  }

  it('"Open Pod Metrics": the Pod dashboard for one pod renders every panel from the real Prometheus', async function () {
    const messages: HostMessage[] = [];
    const c = new MetricsController(
      { post: (m) => messages.push(m), kubeConfig: async () => kc, prometheusUrl: () => prometheusUrl, log: () => undefined, accessOrder: ['port-forward'], topNamespace: NS },
      { refreshSeconds: 0, range: '15m', dashboardUid: '6581e46e4e5c7ba40a07646395ef7b23', variables: { namespace: NS, pod: pods[0] } },
    );
    try {
      await c.start();
      assert.equal(c.dashboard?.title, 'Kubernetes / Compute Resources / Pod');
      assert.equal(c.variables.find((v) => v.name === 'pod')?.value, pods[0]);
      // The pod variable's options come from label_values(kube_pod_info{...}, pod) on the real Prometheus.
      assert.ok(pods.every((p) => c.variables.find((v) => v.name === 'pod')!.options.includes(p)));
      await until('CPU and memory series of the pod', 60_000, async () => {
        await c.refresh();
        const cpu = c.panelStates.get(c.dashboard!.panels.find((p) => p.title === 'CPU Usage')!.id)!;
        const mem = c.panelStates.get(c.dashboard!.panels.find((p) => p.title === 'Memory Usage (WSS)')!.id)!;
        const names = (d?: unknown) => ((d as TimeseriesData | undefined)?.series ?? []).filter((s) => s.refId === 'A').map((s) => s.name);
        return names(cpu.data).includes('app') && names(mem.data).includes('app') ? true : undefined;
      });
      for (const p of c.dashboard!.panels) assert.equal(c.panelStates.get(p.id)?.error, undefined, p.title);
    } finally {
      await c.dispose();
    }
  });

  it('top pods equal the metrics API, and mark the new pods', async function () {
    const top = await until('metrics for the new pods', 60_000, async () => {
      const t = await fetchTop(kc, NS);
      return pods.every((p) => t.pods.some((x) => x.name === p)) ? t : undefined;
    });
    // The metrics API itself, read raw through the apiserver.
    const get = kubeTransport(kc, `/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/`);
    const raw = JSON.parse((await get('pods', AbortSignal.timeout(10_000))).body) as { items: { metadata: { name: string }; containers: { usage: { cpu: string; memory: string } }[] }[] };
    for (const pod of pods) {
      const row = top.pods.find((x) => x.name === pod)!;
      const item = raw.items.find((i) => i.metadata.name === pod)!;
      assert.equal(row.cpuMillicores, Math.round(item.containers.reduce((a, c) => a + parseQuantity(c.usage.cpu), 0) * 1000));
      assert.equal(row.memoryMiB, Math.floor(item.containers.reduce((a, c) => a + parseQuantity(c.usage.memory), 0) / 2 ** 20));
      assert.equal(row.cpuMillicores, 150);
      assert.equal(row.memoryMiB, 300);
      assert.equal(row.cpuRequestPct, 150);
      assert.equal(row.memoryLimitPct, 50);
      assert.match(row.marker ?? '', /^new pod, created \d+s ago$/);
    }
    assert.ok(top.nodes.length >= 1);
    for (const n of top.nodes) assert.ok(n.cpuPct !== undefined && n.memoryMiB > 0, JSON.stringify(n));
  });

  it('top pods over all namespaces (kubectl top pods --all-namespaces): the pods of every namespace, by namespace', async function () {
    const all = await until('metrics for the new pods across namespaces', 60_000, async () => {
      const t = await fetchTop(kc, undefined);
      return pods.every((p) => t.pods.some((x) => x.name === p && x.namespace === NS)) ? t : undefined;
    });
    // The raw list over every namespace, as kubectl reads it: the same pods.
    const raw = JSON.parse((await kubeTransport(kc, '/apis/metrics.k8s.io/v1beta1/')('pods', AbortSignal.timeout(10_000))).body) as { items: { metadata: { namespace: string; name: string } }[] };
    const namespaces = [...new Set(raw.items.map((i) => i.metadata.namespace))];
    assert.ok(namespaces.length >= 2, `the lab has pods with metrics in several namespaces: ${namespaces.join(', ')}`);
    assert.ok(new Set(all.pods.map((p) => p.namespace)).size >= 2, 'the table has rows of several namespaces');
    const keys = all.pods.map((p) => `${p.namespace}/${p.name}`);
    assert.deepEqual(keys, [...keys].sort((a, b) => a.split('/')[0].localeCompare(b.split('/')[0]) || a.split('/')[1].localeCompare(b.split('/')[1])), 'sorted by namespace, then name');
    const mine = await fetchTop(kc, NS);
    assert.ok(mine.pods.every((p) => p.namespace === NS));
  });

  it('Prometheus stopped mid-session: each panel shows its error, keeps its data, and recovers by itself', async function () {
    const u = new URL(prometheusUrl);
    const relay = new Relay({ host: u.hostname, port: Number(u.port) });
    await relay.start();
    const { c, messages } = controllerFor(kc, ['url'], `http://127.0.0.1:${relay.port}`);
    try {
      await c.start();
      assert.equal(c.access?.path, 'url');
      const panels = c.dashboard!.panels;
      for (const p of panels) assert.ok(c.panelStates.get(p.id)?.data, `${p.title} has no data before the fault`);
      const before = new Map(panels.map((p) => [p.id, c.panelStates.get(p.id)!.updatedAt]));

      await relay.stop();
      await c.refresh();
      for (const p of panels) {
        const st = c.panelStates.get(p.id)!;
        assert.match(st.error ?? '', /Prometheus is unreachable/, p.title);
        assert.ok(st.data, `${p.title} lost its last data`);
        assert.equal(st.updatedAt, before.get(p.id));
      }
      const push = messages.filter((m) => m.type === 'panels').pop() as Extract<HostMessage, { type: 'panels' }>;
      assert.equal(push.panels.filter((p) => p.error && p.data).length, panels.length);

      await relay.start(); // same port: Prometheus is back
      await c.refresh();
      for (const p of panels) {
        const st = c.panelStates.get(p.id)!;
        assert.equal(st.error, undefined, `${p.title}: ${st.error}`);
        assert.ok(st.updatedAt! > before.get(p.id)!);
      }
    } finally {
      await c.dispose();
      await relay.stop();
    }
  });

  it('metrics API unavailable (503): the top table says metrics-server is not ready', async function () {
    // An HTTP relay to the apiserver that answers 503 for metrics.k8s.io, as the aggregator does when
    // metrics-server is down; everything else goes through to the real apiserver.
    const lab = labInfo();
    const api = new URL(lab.apiserverUrl);
    const cluster = kc.getCurrentCluster()!;
    const ca = cluster.caData ? Buffer.from(cluster.caData, 'base64') : readFileSync(cluster.caFile!);
    const server = http.createServer((req, res) => {
      if (req.url?.startsWith('/apis/metrics.k8s.io/')) {
        res.writeHead(503, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'the server is currently unable to handle the request', reason: 'ServiceUnavailable', code: 503 }));
        return;
      }
      const up = https.request({ host: api.hostname, port: api.port, path: req.url, method: req.method, headers: { ...req.headers, host: api.host }, ca }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const broken = new k8s.KubeConfig();
    broken.loadFromOptions({
      clusters: [{ name: 'relay', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'admin', token: lab.adminToken }],
      contexts: [{ name: 'relay', cluster: 'relay', user: 'admin' }],
      currentContext: 'relay',
    });
    try {
      await assert.rejects(fetchTop(broken, NS), /^UserError: metrics-server is not ready/);
      const { c, messages } = controllerFor(broken, ['url'], prometheusUrl);
      try {
        await c.start();
        const top = messages.filter((m) => m.type === 'top').pop() as Extract<HostMessage, { type: 'top' }>;
        assert.match(top.top.error ?? '', /^metrics-server is not ready/);
        // The Prometheus panels are unaffected.
        assert.ok([...c.panelStates.values()].every((s) => s.data && !s.error));
      } finally {
        await c.dispose();
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
