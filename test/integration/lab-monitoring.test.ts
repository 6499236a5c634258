// Acceptance of the lab's monitoring: the real Prometheus (Debian's 2.42) scrapes kwok's simulated
// cAdvisor series, the real kube-state-metrics and node-exporter, and evaluates kube-prometheus'
// recording rules, so the queries of the "Kubernetes / Compute Resources / Namespace (Pods)"
// dashboard return one series per sock-shop pod, with the values the pods' simulated usage dictates.
// After installMonitoringStack() (what DigitalOcean's 1-click leaves), an apiserver port-forward to the
// Prometheus pod reaches that same Prometheus. Nothing is mocked; the lab comes up in hooks.ts.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { USAGE_CPU_ANNOTATION, USAGE_MEMORY_ANNOTATION } from '../lab/cluster.ts';
import {
  installMonitoringStack, prometheusStart, prometheusStop, promQuery, uninstallMonitoringStack, PROMETHEUS_POD, STACK_NAMESPACE,
  type MonitoringState,
} from '../lab/monitoring.ts';
import { DASHBOARDS_DIR, GRAFANA_SERVICE, METRICS_SERVER_NAMESPACE, PROMETHEUS_SERVICE } from '../lab/monitoring/stack.ts';
import { labInfo } from './hooks.ts';
import { labStatus } from '../lab/lab.ts';
import { VERSIONS } from '../lab/paths.ts';
import { until as untilEvery, kubeConfigFrom } from './support.ts';

/** This file's polls run every 500 ms. */
const until: typeof untilEvery = (what, timeoutMs, probe, everyMs = 500) => untilEvery(what, timeoutMs, probe, everyMs);

const NS = 'sock-shop';
const APP = `mon-${randomBytes(3).toString('hex')}`;
const REPLICAS = 3;
// The simulated usage each of the test's containers reports (kwok reads these annotations).
const CPU_USAGE = '120m';
const CPU_USAGE_CORES = 0.12;
const MEMORY_USAGE = '200Mi';
const MEMORY_USAGE_BYTES = 200 * 2 ** 20;
const CPU_REQUEST_CORES = 0.05;
const MEMORY_REQUEST_BYTES = 64 * 2 ** 20;

const CPU_IRATE_BY_POD = `sum by (pod) (node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate{namespace="${NS}"})`;

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= expected * tolerance,
    `${what}: ${actual} is not within ${tolerance * 100}% of ${expected}`,
  );
}

/** Every PromQL target of a dashboard, with the panel it belongs to. */
function dashboardTargets(file: string): { panel: string; type: string; expr: string }[] {
  const d = JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8')) as { panels: unknown[] };
  const out: { panel: string; type: string; expr: string }[] = [];
  const walk = (panels: unknown[]) => {
    for (const p of panels as { title: string; type: string; panels?: unknown[]; targets?: { expr?: string }[] }[]) {
      if (p.panels) walk(p.panels);
      for (const t of p.targets ?? []) if (t.expr) out.push({ panel: p.title, type: p.type, expr: t.expr });
    }
  };
  walk(d.panels);
  return out;
}

/**
 * Template variables as Grafana resolves them against this Prometheus: `$cluster` comes from
 * label_values(up{job="kube-state-metrics"}, cluster), which is empty on DOKS and in the lab (no
 * cluster label), so it becomes "" — and cluster="" matches series without the label.
 */
function expand(expr: string, vars: { cluster: string; namespace: string }): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$cluster', vars.cluster)
    .replaceAll('$namespace', vars.namespace);
}

describe('lab monitoring (real Prometheus, kube-prometheus rules, kwok cAdvisor, real kube-state-metrics)', function () {
  this.timeout(120_000);
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let prometheus: string;
  let monitoring: MonitoringState;
  let clusterVar = '';
  let stackWasInstalled = true;
  let created = 0;

  before(async function () {
    const lab = labInfo();
    monitoring = lab.state.components.monitoring as MonitoringState;
    assert.ok(monitoring, 'the lab runs without its monitoring component');
    prometheus = lab.urls.monitoring.prometheus;
    kc = kubeConfigFrom(lab.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    try {
      await core.createNamespace({ body: { metadata: { name: NS } } });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
    const labels = { app: APP };
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: APP, labels },
        spec: {
          replicas: REPLICAS,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels, annotations: { [USAGE_CPU_ANNOTATION]: CPU_USAGE, [USAGE_MEMORY_ANNOTATION]: MEMORY_USAGE } },
            spec: {
              containers: [
                {
                  name: 'app',
                  image: 'weaveworksdemos/catalogue:0.3.5',
                  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
                },
              ],
            },
          },
        },
      },
    });
    created = Date.now();
    // A stack someone installed before this suite (e.g. through the 1-click) is left in place afterwards.
    stackWasInstalled = await core.readNamespace({ name: STACK_NAMESPACE }).then(() => true, () => false);
    const values = await promQuery(prometheus, 'group by (cluster) (up{job="kube-state-metrics"})');
    clusterVar = values[0]?.metric.cluster ?? '';
  });

  after(async function () {
    await apps.deleteNamespacedDeployment({ name: APP, namespace: NS }).catch(() => undefined);
    if (!stackWasInstalled) await uninstallMonitoringStack(labInfo().kubeconfig, { wait: true, timeoutMs: 60_000 }).catch(() => undefined);
  });

  async function runningPods(selector?: string): Promise<k8s.V1Pod[]> {
    const list = await core.listNamespacedPod({ namespace: NS, labelSelector: selector });
    return list.items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
  }

  it('kube-state-metrics is the real one: `lab status` names its version and Prometheus scrapes its families', async function () {
    assert.match(labStatus(labInfo().home), new RegExp(`Monitoring: +kube-state-metrics v${VERSIONS.kubeStateMetrics.replace(/\./g, '\\.')}(,|$)`, 'm'));
    // Families the dashboards and rules read, and some the dashboards do not (the real exporter's whole set).
    const names = await until('kube-state-metrics families scraped', 30_000, async () => {
      const r = await promQuery(prometheus, 'count by (__name__) ({job="kube-state-metrics"})');
      const n = new Set(r.map((x) => x.metric.__name__));
      return n.has('kube_pod_owner') ? n : undefined;
    });
    for (const f of ['kube_pod_info', 'kube_pod_owner', 'kube_pod_container_resource_requests', 'kube_node_status_allocatable', 'kube_deployment_status_replicas_available', 'kube_replicaset_owner', 'kube_pod_status_scheduled_time', 'kube_endpoint_address', 'kube_lease_renew_time']) {
      assert.ok(names.has(f), `no ${f} from kube-state-metrics (it serves ${names.size} families)`);
    }
  });

  it('loads every kube-prometheus recording rule and evaluates them without errors', async function () {
    const res = await fetch(`${prometheus}/api/v1/rules?type=record`);
    const body = (await res.json()) as { data: { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] } };
    const rules = body.data.groups.flatMap((g) => g.rules.map((r) => ({ group: g.name, ...r })));
    assert.equal(rules.length, monitoring.recordingRules);
    assert.ok(rules.length >= 80, `only ${rules.length} recording rules loaded`);
    const names = new Set(rules.map((r) => r.name));
    for (const n of [
      'node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate',
      'node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m',
      'node_namespace_pod_container:container_memory_working_set_bytes',
      'cluster:namespace:pod_memory:active:kube_pod_container_resource_requests',
      'namespace_workload_pod:kube_pod_owner:relabel',
    ]) {
      assert.ok(names.has(n), `recording rule ${n} is not loaded`);
    }
    // Groups run at the global 5 s interval, except kube-apiserver-availability.rules (3m): wait until
    // the 5 s groups have been evaluated once; no rule of any group may have failed.
    const bad = await until('the 5 s rule groups evaluated', 30_000, async () => {
      const r = (await (await fetch(`${prometheus}/api/v1/rules?type=record`)).json()) as {
        data: { groups: { interval: number; rules: { name: string; health: string; lastError?: string }[] }[] };
      };
      const fast = r.data.groups.filter((g) => g.interval <= 10).flatMap((g) => g.rules);
      if (fast.some((x) => x.health === 'unknown')) return undefined;
      return r.data.groups.flatMap((g) => g.rules).filter((x) => x.health === 'err');
    });
    assert.deepEqual(bad.map((r) => `${r.name}: ${r.lastError}`), []);
  });

  it('the CPU recording rule returns exactly one series per sock-shop pod, at the simulated usage', async function () {
    const pods = await until(`${REPLICAS} Running pods of ${APP}`, 60_000, async () => {
      const p = await runningPods(`app=${APP}`);
      return p.length === REPLICAS ? p : undefined;
    });
    const mine = new Set(pods.map((p) => p.metadata!.name!));
    // Pods of other workloads in sock-shop (if any) count too: the query must cover exactly the Running pods.
    const result = await until('one irate series per Running sock-shop pod', 60_000, async () => {
      const [r, running] = await Promise.all([promQuery(prometheus, CPU_IRATE_BY_POD), runningPods()]);
      const got = r.map((s) => s.metric.pod).sort();
      const want = running.map((p) => p.metadata!.name!).sort();
      return JSON.stringify(got) === JSON.stringify(want) && [...mine].every((m) => got.includes(m)) ? r : undefined;
    });
    console.log(`      first CPU series for all ${REPLICAS} new pods after ${((Date.now() - created) / 1000).toFixed(1)} s`);
    const pods2 = result.map((s) => s.metric.pod);
    assert.equal(new Set(pods2).size, pods2.length, 'a pod has more than one series');
    for (const s of result.filter((x) => mine.has(x.metric.pod))) close(Number(s.value[1]), CPU_USAGE_CORES, 0.2, `irate CPU of ${s.metric.pod}`);

    // Without the sum: one series per (pod, container), each joined to the node the pod runs on.
    const raw = await promQuery(prometheus, `node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate{namespace="${NS}", pod=~"${APP}-.*"}`);
    assert.equal(raw.length, REPLICAS);
    for (const s of raw) {
      const pod = pods.find((p) => p.metadata!.name === s.metric.pod);
      assert.ok(pod, `series for unknown pod ${s.metric.pod}`);
      assert.equal(s.metric.container, 'app');
      assert.equal(s.metric.node, pod.spec!.nodeName);
    }
  });

  it('every CPU and memory panel of "Kubernetes / Compute Resources / Namespace (Pods)" returns data for each pod', async function () {
    const targets = dashboardTargets('k8s-resources-namespace.json').filter((t) => /cpu|memory/i.test(t.expr));
    // kube_resourcequota targets draw quota lines; sock-shop has no ResourceQuota (as in the workshop), so
    // they are empty by design and left out here.
    const perPod = targets.filter((t) => /by \(pod\)\s*$/.test(t.expr.trim()) || /\) by \(pod\)/.test(t.expr));
    const scalars = targets.filter((t) => !perPod.includes(t) && !t.expr.includes('kube_resourcequota'));
    assert.ok(perPod.length >= 10, `expected the CPU/memory per-pod targets, found ${perPod.length}`);
    const mine = (await runningPods(`app=${APP}`)).map((p) => p.metadata!.name!).sort();
    assert.equal(mine.length, REPLICAS);

    for (const t of perPod) {
      const q = expand(t.expr, { cluster: clusterVar, namespace: NS });
      // rate5m-based rules need two evaluations of new pods; wait for them.
      const r = await until(`"${t.panel}" to cover every pod`, 60_000, async () => {
        const res = await promQuery(prometheus, q);
        const got = res.map((s) => s.metric.pod);
        return mine.every((m) => got.filter((g) => g === m).length === 1) ? res : undefined;
      });
      for (const s of r.filter((x) => mine.includes(x.metric.pod))) {
        const v = Number(s.value[1]);
        assert.ok(Number.isFinite(v), `"${t.panel}" gave ${s.value[1]} for ${s.metric.pod}: ${q}`);
        // Values the test can predict from what it set on the pods.
        if (/^sum\(max by \(cluster, namespace, pod, container\)\(container_memory_working_set_bytes\{[^}]*\}\)\) by \(pod\)$/.test(q.trim())) {
          close(v, MEMORY_USAGE_BYTES, 0.001, `working set of ${s.metric.pod}`);
        }
        if (/^sum\(max by \(cluster, namespace, pod, container\)\(cluster:namespace:pod_memory:active:kube_pod_container_resource_requests\{[^}]*\}\)\) by \(pod\)$/.test(q.trim())) {
          assert.equal(v, MEMORY_REQUEST_BYTES, `memory request of ${s.metric.pod}`);
        }
        if (/^sum\(max by \(cluster, namespace, pod, container\)\(cluster:namespace:pod_cpu:active:kube_pod_container_resource_requests\{[^}]*\}\)\) by \(pod\)$/.test(q.trim())) {
          assert.equal(v, CPU_REQUEST_CORES, `cpu request of ${s.metric.pod}`);
        }
      }
    }
    for (const t of scalars) {
      const r = await promQuery(prometheus, expand(t.expr, { cluster: clusterVar, namespace: NS }));
      assert.equal(r.length, 1, `"${t.panel}" should give one value: ${t.expr}`);
      assert.ok(Number(r[0].value[1]) > 0, `"${t.panel}" gave ${r[0].value[1]}`);
    }
  });

  it('the memory panel query ("Memory Usage (w/o cache)") returns one series per pod, equal to the simulated usage', async function () {
    const t = dashboardTargets('k8s-resources-namespace.json').find(
      (x) => x.panel === 'Memory Usage (w/o cache)' && x.expr.includes('container_memory_working_set_bytes'),
    );
    assert.ok(t, 'the dashboard has no "Memory Usage (w/o cache)" working-set target');
    const q = expand(t.expr, { cluster: clusterVar, namespace: NS });
    const running = (await runningPods()).map((p) => p.metadata!.name!).sort();
    const r = await until('one memory series per Running sock-shop pod', 30_000, async () => {
      const res = await promQuery(prometheus, q);
      return JSON.stringify(res.map((s) => s.metric.pod).sort()) === JSON.stringify(running) ? res : undefined;
    });
    for (const s of r.filter((x) => x.metric.pod.startsWith(`${APP}-`))) close(Number(s.value[1]), MEMORY_USAGE_BYTES, 0.001, s.metric.pod);
  });

  it('installMonitoringStack() leaves what the 1-click leaves, idempotently', async function () {
    const kubeconfig = labInfo().kubeconfig;
    await installMonitoringStack(kubeconfig);
    await installMonitoringStack(kubeconfig); // a second 1-click changes nothing and does not fail

    for (const name of [STACK_NAMESPACE, METRICS_SERVER_NAMESPACE]) await core.readNamespace({ name });
    const prom = await core.readNamespacedService({ name: PROMETHEUS_SERVICE, namespace: STACK_NAMESPACE });
    assert.deepEqual(prom.spec?.ports?.map((p) => p.port).includes(9090), true);
    const grafana = await core.readNamespacedService({ name: GRAFANA_SERVICE, namespace: STACK_NAMESPACE });
    assert.deepEqual(grafana.spec?.ports?.map((p) => [p.port, p.targetPort]), [[80, 3000]]);

    const cms = await core.listNamespacedConfigMap({ namespace: STACK_NAMESPACE, labelSelector: 'grafana_dashboard=1' });
    const titles = cms.items.map((cm) => JSON.parse(Object.values(cm.data ?? {})[0]).title as string).sort();
    assert.equal(cms.items.length, 6);
    assert.ok(titles.includes('Kubernetes / Compute Resources / Namespace (Pods)'), titles.join(', '));
    assert.ok(titles.includes('Kubernetes / Compute Resources / Pod'), titles.join(', '));

    // The stack's pods (kwok pods) come up like any other.
    const promPod = await until(`${PROMETHEUS_POD} Running`, 60_000, async () => {
      const p = await core.readNamespacedPod({ name: PROMETHEUS_POD, namespace: STACK_NAMESPACE }).catch(() => undefined);
      return p?.status?.phase === 'Running' ? p : undefined;
    });
    assert.equal(promPod.metadata?.labels?.['app.kubernetes.io/name'], 'prometheus');
  });

  it('an apiserver port-forward to the Prometheus pod answers /api/v1/query from the lab Prometheus', async function () {
    const forward = new k8s.PortForward(kc);
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      forward.portForward(STACK_NAMESPACE, PROMETHEUS_POD, [9090], socket, null, socket).catch((err: Error) => socket.destroy(err));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const get = async (path: string) => {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(10_000) });
        return (await res.json()) as { status: string; data: unknown };
      };
      const build = (await get('/api/v1/status/buildinfo')) as { status: string; data: { version: string } };
      assert.equal(build.status, 'success');
      assert.match(build.data.version, /^2\.42\./);

      const viaForward = (await get(`/api/v1/query?query=${encodeURIComponent(CPU_IRATE_BY_POD)}`)) as {
        status: string;
        data: { resultType: string; result: { metric: { pod: string } }[] };
      };
      assert.equal(viaForward.status, 'success');
      assert.equal(viaForward.data.resultType, 'vector');
      const pods = viaForward.data.result.map((s) => s.metric.pod);
      const mine = (await runningPods(`app=${APP}`)).map((p) => p.metadata!.name!);
      for (const m of mine) assert.ok(pods.includes(m), `${m} missing from the answer through the port-forward`);
      // Same Prometheus as the direct URL: same series for the same query.
      const direct = (await promQuery(prometheus, CPU_IRATE_BY_POD)).map((s) => s.metric.pod).sort();
      assert.deepEqual([...pods].sort(), direct);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('Prometheus can be stopped and started again (fault tests), keeping its data', async function () {
    const home = labInfo().home;
    const q = `count(kube_pod_info{namespace="${NS}"} offset 5s)`;
    const before = await until('a sample old enough', 20_000, async () => ((await promQuery(prometheus, q)).length ? true : undefined));
    assert.ok(before);
    await prometheusStop(home);
    await assert.rejects(promQuery(prometheus, 'up'), 'Prometheus still answers after prometheusStop()');
    const pid = await prometheusStart(home);
    assert.ok(pid > 0);
    assert.equal((labInfo().state.components.monitoring as MonitoringState).pids.prometheus, pid);
    // The TSDB survived: samples from before the stop are still there.
    const r = await promQuery(prometheus, `count_over_time(up{job="kube-state-metrics"}[10m])`);
    assert.ok(Number(r[0]?.value[1]) >= 2, `expected the pre-stop samples, got ${JSON.stringify(r)}`);
    await until('scraping again', 20_000, async () => ((await promQuery(prometheus, 'up{job="kube-state-metrics"} == 1')).length ? true : undefined));
  });
});
