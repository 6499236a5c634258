// The lab monitoring's pure parts: the Prometheus configuration and rules file, and the kwok Metric behind
// the cAdvisor series (kube-state-metrics is the real one). No process is started; the integration test
// (test/integration/lab-monitoring.test.ts) runs them for real.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { nodeTargets, prometheusConfig, recordingRules } from '../lab/monitoring/prometheus-config.ts';
import { cadvisorMetric, cadvisorPath, KWOK_CADVISOR_PREFIX } from '../lab/monitoring/cadvisor.ts';
import { dashboardConfigMaps, stackObjects } from '../lab/monitoring/stack.ts';
import { REFERENCE_DIR, RULE_FILES } from '../lab/monitoring.ts';

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
