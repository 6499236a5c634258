// The lab monitoring's pure parts: the kube-state-metrics stand-in's exposition (names, labels and
// value conventions of kube-state-metrics v2), the Prometheus configuration and rules file, and the
// kwok Metric behind the cAdvisor series. No process is started; the integration test
// (test/integration/lab-monitoring.test.ts) runs them for real.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { parseQuantity, renderKsmMetrics, type KsmObjects } from '../lab/monitoring/ksm-metrics.ts';
import { nodeTargets, prometheusConfig, recordingRules } from '../lab/monitoring/prometheus-config.ts';
import { cadvisorMetric, cadvisorPath, KWOK_CADVISOR_PREFIX } from '../lab/monitoring/cadvisor.ts';
import { dashboardConfigMaps, stackObjects } from '../lab/monitoring/stack.ts';
import { REFERENCE_DIR, RULE_FILES } from '../lab/monitoring.ts';

function empty(): KsmObjects {
  return { pods: [], nodes: [], namespaces: [], deployments: [], replicasets: [], statefulsets: [], daemonsets: [], jobs: [], resourcequotas: [], services: [] };
}

/** Parses exposition text into { name, labels, value } samples. */
function samples(text: string) {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    assert.ok(m, `malformed sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

const pod: V1Pod = {
  metadata: {
    name: 'carts-7d9f-abcde',
    namespace: 'sock-shop',
    uid: 'u-1',
    creationTimestamp: new Date('2026-11-25T10:00:00Z'),
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'carts-7d9f', uid: 'rs-1', controller: true }],
  },
  spec: {
    nodeName: 'lab-pool-01',
    containers: [
      { name: 'carts', image: 'weaveworksdemos/carts:0.4.8', resources: { requests: { cpu: '100m', memory: '200Mi' }, limits: { cpu: '1', memory: '2Gi', 'ephemeral-storage': '1Gi' } } },
    ],
  },
  status: {
    phase: 'Running',
    hostIP: '127.0.0.1',
    podIP: '10.244.0.5',
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'carts', image: 'weaveworksdemos/carts:0.4.8', imageID: '', ready: true, restartCount: 2, state: { running: {} } }],
  },
};

describe('lab monitoring: kube-state-metrics stand-in', function () {
  it('parses Kubernetes quantities', function () {
    assert.equal(parseQuantity('100m'), 0.1);
    assert.equal(parseQuantity('2Gi'), 2 * 2 ** 30);
    assert.equal(parseQuantity('1.5'), 1.5);
    assert.equal(parseQuantity('3k'), 3000);
    assert.equal(parseQuantity('1e3'), 1000);
    assert.ok(Number.isNaN(parseQuantity('lots')));
  });

  it('renders pod families with kube-state-metrics v2 names, labels and units', function () {
    const s = samples(renderKsmMetrics({ ...empty(), pods: [pod] }));
    const one = (name: string, match: Record<string, string> = {}) => {
      const found = s.filter((x) => x.name === name && Object.entries(match).every(([k, v]) => x.labels[k] === v));
      assert.equal(found.length, 1, `${name} ${JSON.stringify(match)}: ${found.length} samples`);
      return found[0];
    };
    const info = one('kube_pod_info');
    assert.deepEqual(
      { node: info.labels.node, created_by_kind: info.labels.created_by_kind, created_by_name: info.labels.created_by_name, uid: info.labels.uid },
      { node: 'lab-pool-01', created_by_kind: 'ReplicaSet', created_by_name: 'carts-7d9f', uid: 'u-1' },
    );
    assert.equal(one('kube_pod_owner').labels.owner_is_controller, 'true');
    assert.equal(one('kube_pod_status_phase', { phase: 'Running' }).value, 1);
    assert.equal(one('kube_pod_status_phase', { phase: 'Pending' }).value, 0);
    assert.equal(s.filter((x) => x.name === 'kube_pod_status_phase').length, 5);
    assert.equal(one('kube_pod_status_ready', { status: 'true' }).value, 1);
    assert.equal(one('kube_pod_container_resource_requests', { resource: 'cpu' }).value, 0.1);
    assert.equal(one('kube_pod_container_resource_requests', { resource: 'cpu' }).labels.unit, 'core');
    assert.equal(one('kube_pod_container_resource_requests', { resource: 'memory' }).value, 200 * 2 ** 20);
    assert.equal(one('kube_pod_container_resource_limits', { resource: 'memory' }).labels.unit, 'byte');
    assert.equal(one('kube_pod_container_resource_limits', { resource: 'ephemeral_storage' }).value, 2 ** 30);
    assert.equal(one('kube_pod_container_resource_limits', { resource: 'cpu' }).labels.node, 'lab-pool-01');
    assert.equal(one('kube_pod_container_status_restarts_total').value, 2);
    assert.equal(one('kube_pod_container_info').labels.image_spec, 'weaveworksdemos/carts:0.4.8');
  });

  it('gives pods and ReplicaSets without an owner empty owner labels (what the barepod rule selects)', function () {
    const bare: V1Pod = { metadata: { name: 'debug', namespace: 'default', uid: 'u-2' }, spec: { containers: [] }, status: { phase: 'Pending' } };
    const s = samples(renderKsmMetrics({ ...empty(), pods: [bare], replicasets: [{ metadata: { name: 'rs', namespace: 'default' } }] }));
    const owner = s.find((x) => x.name === 'kube_pod_owner')!;
    assert.deepEqual([owner.labels.owner_kind, owner.labels.owner_name, owner.labels.owner_is_controller], ['', '', '']);
    assert.equal(s.find((x) => x.name === 'kube_replicaset_owner')!.labels.owner_kind, '');
  });

  it('renders node capacity and allocatable by resource and unit, and node info', function () {
    const node: V1Node = {
      metadata: { name: 'lab-pool-01' },
      status: {
        capacity: { cpu: '1', memory: '2Gi', pods: '110', 'ephemeral-storage': '50Gi' },
        allocatable: { cpu: '900m', memory: '1800Mi', pods: '110' },
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        nodeInfo: { kubeletVersion: 'v1.33.13', containerRuntimeVersion: 'kwok://v0.7.0' } as NonNullable<V1Node['status']>['nodeInfo'],
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    };
    const s = samples(renderKsmMetrics({ ...empty(), nodes: [node] }));
    const get = (name: string, resource: string) => s.find((x) => x.name === name && x.labels.resource === resource);
    assert.equal(get('kube_node_status_capacity', 'cpu')?.value, 1);
    assert.equal(get('kube_node_status_allocatable', 'cpu')?.value, 0.9);
    assert.equal(get('kube_node_status_capacity', 'ephemeral_storage')?.labels.unit, 'byte');
    assert.equal(get('kube_node_status_capacity', 'pods')?.labels.unit, 'integer');
    const info = s.find((x) => x.name === 'kube_node_info')!;
    assert.equal(info.labels.internal_ip, '127.0.0.1');
    assert.equal(info.labels.kubelet_version, 'v1.33.13');
    assert.equal(s.filter((x) => x.name === 'kube_node_status_condition').length, 3);
  });

  it('escapes label values so the exposition stays parseable', function () {
    const odd: V1Pod = { ...pod, metadata: { ...pod.metadata, name: 'a"b\\c\nd' } };
    const text = renderKsmMetrics({ ...empty(), pods: [odd] });
    assert.ok(text.includes('pod="a\\"b\\\\c\\nd"'));
    samples(text);
  });
});

describe('lab monitoring: Prometheus configuration', function () {
  it('labels the cAdvisor job the way kube-prometheus does and strips the kwok prefix', function () {
    const cfg = parse(
      prometheusConfig({
        nodeTargetsFile: '/x/targets.json', ksmAddress: '127.0.0.1:1', nodeExporterAddress: '127.0.0.1:2',
        prometheusAddress: '127.0.0.1:3', rulesFile: '/x/rules.yml',
      }),
    );
    assert.equal(cfg.global.scrape_interval, '5s');
    const cadvisor = cfg.scrape_configs.find((j: { job_name: string }) => j.job_name === 'kubelet-cadvisor');
    assert.deepEqual(cadvisor.file_sd_configs[0].files, ['/x/targets.json']);
    const set = Object.fromEntries(cadvisor.relabel_configs.map((r: { target_label: string; replacement: string }) => [r.target_label, r.replacement]));
    assert.equal(set.job, 'kubelet');
    assert.equal(set.metrics_path, '/metrics/cadvisor');
    assert.equal(set.cluster, undefined, 'no cluster label by default, as on DOKS');
    const rename = cadvisor.metric_relabel_configs.find((r: { target_label?: string }) => r.target_label === '__name__');
    assert.equal(new RegExp(`^${rename.regex}$`).exec(`${KWOK_CADVISOR_PREFIX}container_memory_rss`)![1], 'container_memory_rss');
    const jobs = cfg.scrape_configs.map((j: { job_name: string }) => j.job_name);
    assert.deepEqual(jobs.sort(), ['kube-state-metrics', 'kubelet-cadvisor', 'node-exporter', 'prometheus']);
  });

  it('adds a cluster label to every job when asked', function () {
    const cfg = parse(
      prometheusConfig({ nodeTargetsFile: 'f', ksmAddress: 'a:1', nodeExporterAddress: 'a:2', prometheusAddress: 'a:3', rulesFile: 'r', cluster: 'lab' }),
    );
    for (const j of cfg.scrape_configs) {
      assert.ok(j.relabel_configs.some((r: { target_label: string; replacement: string }) => r.target_label === 'cluster' && r.replacement === 'lab'), j.job_name);
    }
  });

  it('lists each initialised node as a file_sd target with its cAdvisor path', function () {
    const groups = nodeTargets([
      { metadata: { name: 'lab-pool-02' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } } },
      { metadata: { name: 'lab-pool-01' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } } } },
      { metadata: { name: 'not-ready-yet' }, status: {} },
    ]);
    assert.deepEqual(groups, [
      { targets: ['127.0.0.1:10250'], labels: { node: 'lab-pool-01', __metrics_path__: cadvisorPath('lab-pool-01') } },
      { targets: ['127.0.0.1:10250'], labels: { node: 'lab-pool-02', __metrics_path__: cadvisorPath('lab-pool-02') } },
    ]);
  });

  it('keeps every recording rule of the kube-prometheus manifests and leaves the alerts out', function () {
    const files = RULE_FILES.map((f) => join(REFERENCE_DIR, f));
    const r = recordingRules(files);
    const doc = parse(r.yaml) as { groups: { name: string; rules: { record?: string; alert?: string }[] }[] };
    let records = 0;
    for (const f of files) {
      for (const g of (parse(readFileSync(f, 'utf8')) as { spec: { groups: { rules: { record?: string }[] }[] } }).spec.groups) {
        records += g.rules.filter((x) => x.record).length;
      }
    }
    assert.equal(r.recordingRules, records);
    assert.ok(doc.groups.every((g) => g.rules.every((x) => x.record && !x.alert)));
    assert.ok(doc.groups.some((g) => g.rules.some((x) => x.record === 'node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate')));
    assert.match(r.dropped.join('\n'), /alerting rules/);
    const without = recordingRules(files, new Set(['namespace_workload_pod:kube_pod_owner:relabel']));
    assert.ok(without.recordingRules < r.recordingRules);
    assert.match(without.dropped.join('\n'), /kube_pod_owner:relabel: not loadable/);
  });
});

describe('lab monitoring: kwok Metric and Monitoring Stack objects', function () {
  it('serves every cAdvisor family the dashboards read at container and pod level', function () {
    const m = cadvisorMetric();
    assert.match(m.spec.path, /^\/metrics\/nodes\/\{nodeName\}\/metrics\/cadvisor\/[0-9a-f]{10}$/);
    assert.equal(cadvisorPath('n1'), m.spec.path.replace('{nodeName}', 'n1'));
    const names = new Set(m.spec.metrics.map((x) => x.name.slice(KWOK_CADVISOR_PREFIX.length)));
    for (const n of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'container_memory_rss', 'container_memory_cache', 'container_memory_swap', 'container_network_receive_bytes_total']) {
      assert.ok(names.has(n), n);
    }
    for (const x of m.spec.metrics) {
      assert.ok(x.name.startsWith(KWOK_CADVISOR_PREFIX), x.name);
      const labelNames = x.labels.map((l) => l.name);
      for (const l of ['container', 'id', 'image', 'namespace', 'pod']) assert.ok(labelNames.includes(l), `${x.name} lacks ${l}`);
    }
    const cpu = m.spec.metrics.filter((x) => x.name.endsWith('container_cpu_usage_seconds_total'));
    assert.deepEqual(cpu.map((x) => x.dimension).sort(), ['container', 'pod']);
    assert.equal(cpu.find((x) => x.dimension === 'pod')!.labels.find((l) => l.name === 'image')!.value, '""');
  });

  it('ships the six dashboards as ConfigMaps labelled grafana_dashboard: "1"', function () {
    const cms = dashboardConfigMaps();
    assert.equal(cms.length, 6);
    for (const cm of cms) {
      assert.equal((cm.metadata as { labels: Record<string, string> }).labels.grafana_dashboard, '1');
      const data = Object.values(cm.data as Record<string, string>)[0];
      assert.ok(JSON.parse(data).title.startsWith('Kubernetes / Compute Resources /'));
    }
  });

  it('names the Services and ports the way DigitalOcean\'s 1-click does', function () {
    const objs = stackObjects();
    const svc = (name: string) => objs.find((o) => o.kind === 'Service' && o.metadata?.name === name) as { metadata: { namespace: string }; spec: { ports: { port: number; targetPort: number | string }[] } };
    assert.equal(svc('kube-prometheus-stack-prometheus').metadata.namespace, 'kube-prometheus-stack');
    assert.ok(svc('kube-prometheus-stack-prometheus').spec.ports.some((p) => p.port === 9090));
    assert.deepEqual(svc('kube-prometheus-stack-grafana').spec.ports.map((p) => [p.port, p.targetPort]), [[80, 3000]]);
    assert.ok(objs.some((o) => o.kind === 'Namespace' && o.metadata?.name === 'metrics-server'));
  });
});
