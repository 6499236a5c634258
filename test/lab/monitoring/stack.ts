// What DigitalOcean's `monitoring` 1-click leaves in a cluster, as objects of the lab cluster:
// kube-prometheus-stack (Helm release "kube-prometheus-stack" in namespace kube-prometheus-stack)
// and metrics-server (namespace metrics-server). Names, labels, ports and the dashboards'
// ConfigMaps follow the chart, so the extension's detection, Grafana and port-forward code sees
// what it sees on DOKS. The pods are kwok pods (nothing runs in them); what answers is:
// - port-forward to the Prometheus pod's port 9090: a kwok PortForward sends it to the lab's real
//   Prometheus on loopback, so the extension's port-forward path is real;
// - there is no Grafana server in the lab (Grafana is AGPL; Debian ships none): its Service,
//   Deployment, admin Secret and dashboards/datasource ConfigMaps are there for detection and
//   dashboard loading, and a kwok ClusterPortForward sends the Grafana pod's port 3000 to the lab's
//   fake of Grafana's HTTP API (grafana-fake.ts), so port-forward to Grafana reaches that fake.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { addClusterPortForward, addPortForward } from '../cluster.ts';
import { REPO_ROOT, referenceDir } from '../paths.ts';

export const STACK_NAMESPACE = 'kube-prometheus-stack';
export const METRICS_SERVER_NAMESPACE = 'metrics-server';
export const RELEASE = 'kube-prometheus-stack';
export const PROMETHEUS_SERVICE = `${RELEASE}-prometheus`;
export const GRAFANA_SERVICE = `${RELEASE}-grafana`;
/** The Prometheus pod the operator creates for the StatefulSet `prometheus-<release>-prometheus`. */
export const PROMETHEUS_POD = `prometheus-${RELEASE}-prometheus-0`;
/** The chart's Grafana listens on 3000 in its pod (Service port 80). */
export const GRAFANA_POD_PORT = 3000;
/** The Prometheus datasource the chart provisions (the ConfigMap below and the Grafana fake share it). */
export const GRAFANA_DATASOURCE = {
  uid: 'prometheus',
  name: 'Prometheus',
  type: 'prometheus',
  url: `http://${RELEASE}-prometheus.${RELEASE}:9090/`,
  isDefault: true,
  jsonData: { httpMethod: 'POST', timeInterval: '30s' },
};
/** The dashboards kube-prometheus-stack ships (test/lab/reference/grafana-dashboards). */
export const DASHBOARDS_DIR = process.env.SOCK_SHOP_LAB_DASHBOARDS || join(referenceDir(), 'grafana-dashboards');

const FIELD_MANAGER = 'sock-shop-lab';
// Image tags below are illustrative (kwok pulls nothing); the Prometheus one matches the lab's real
// Prometheus, the one that answers through the port-forward.
const OPERATOR_TAG = 'v0.83.0';

type Obj = k8s.KubernetesObject & Record<string, unknown>;

function chartLabels(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': 'Helm',
    'app.kubernetes.io/part-of': RELEASE,
    chart: RELEASE,
    release: RELEASE,
    heritage: 'Helm',
    ...extra,
  };
}

function ns(name: string): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { name } } };
}

interface ContainerSpec {
  name: string;
  image: string;
  ports?: { name: string; containerPort: number }[];
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

function container(c: ContainerSpec): k8s.V1Container {
  return {
    name: c.name,
    image: c.image,
    ports: c.ports?.map((p) => ({ ...p, protocol: 'TCP' })),
    resources: { requests: c.requests, limits: c.limits },
  };
}

function deployment(namespace: string, name: string, podLabels: Record<string, string>, containers: ContainerSpec[], labels: Record<string, string>): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { ...labels, ...podLabels } },
    spec: {
      replicas: 1,
      selector: { matchLabels: podLabels },
      template: { metadata: { labels: { ...labels, ...podLabels } }, spec: { containers: containers.map(container) } },
    },
  };
}

function service(namespace: string, name: string, selector: Record<string, string>, ports: { name: string; port: number; targetPort: number | string }[], labels: Record<string, string>, headless = false): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels },
    spec: {
      type: 'ClusterIP',
      ...(headless ? { clusterIP: 'None' } : {}),
      selector,
      ports: ports.map((p) => ({ ...p, protocol: 'TCP' })),
    },
  };
}

/** The dashboards as the chart ships them: one ConfigMap per dashboard, labelled grafana_dashboard: "1". */
export function dashboardConfigMaps(dir = DASHBOARDS_DIR): Obj[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const id = basename(f, '.json');
      return {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: `${RELEASE}-${id}`,
          namespace: STACK_NAMESPACE,
          labels: chartLabels({ app: `${RELEASE}-grafana`, grafana_dashboard: '1' }),
          annotations: { grafana_folder: 'Kubernetes' },
        },
        data: { [f]: readFileSync(join(dir, f), 'utf8') },
      };
    });
}

export function stackObjects(): Obj[] {
  const S = STACK_NAMESPACE;
  const promPodLabels = {
    'app.kubernetes.io/name': 'prometheus',
    'app.kubernetes.io/instance': `${RELEASE}-prometheus`,
    'app.kubernetes.io/managed-by': 'prometheus-operator',
    'operator.prometheus.io/name': `${RELEASE}-prometheus`,
    'operator.prometheus.io/shard': '0',
    prometheus: `${RELEASE}-prometheus`,
  };
  const promSelector = { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': `${RELEASE}-prometheus` };
  const grafanaLabels = { 'app.kubernetes.io/name': 'grafana', 'app.kubernetes.io/instance': RELEASE };
  const ksmLabels = { 'app.kubernetes.io/name': 'kube-state-metrics', 'app.kubernetes.io/instance': RELEASE };
  const operatorLabels = { app: `${RELEASE}-operator`, release: RELEASE };
  const nodeExporterLabels = { 'app.kubernetes.io/name': 'prometheus-node-exporter', 'app.kubernetes.io/instance': RELEASE };
  const alertmanagerLabels = {
    'app.kubernetes.io/name': 'alertmanager',
    'app.kubernetes.io/instance': `${RELEASE}-alertmanager`,
    'alertmanager': `${RELEASE}-alertmanager`,
  };

  return [
    ns(S),
    ns(METRICS_SERVER_NAMESPACE),

    // Prometheus: a StatefulSet managed by the operator, reached through the chart's Service.
    service(S, 'prometheus-operated', { 'app.kubernetes.io/name': 'prometheus' }, [{ name: 'web', port: 9090, targetPort: 'web' }], { 'operated-prometheus': 'true' }, true),
    service(S, PROMETHEUS_SERVICE, promSelector, [{ name: 'http-web', port: 9090, targetPort: 9090 }, { name: 'reloader-web', port: 8080, targetPort: 'reloader-web' }], chartLabels({ app: `${RELEASE}-prometheus`, 'self-monitor': 'true' })),
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: `prometheus-${RELEASE}-prometheus`, namespace: S, labels: { ...promPodLabels } },
      spec: {
        replicas: 1,
        serviceName: 'prometheus-operated',
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: promPodLabels },
        template: {
          metadata: { labels: promPodLabels },
          spec: {
            containers: [
              container({ name: 'prometheus', image: 'quay.io/prometheus/prometheus:v2.42.0', ports: [{ name: 'http-web', containerPort: 9090 }] }),
              container({ name: 'config-reloader', image: `quay.io/prometheus-operator/prometheus-config-reloader:${OPERATOR_TAG}`, ports: [{ name: 'reloader-web', containerPort: 8080 }], requests: { cpu: '10m', memory: '50Mi' }, limits: { cpu: '10m', memory: '50Mi' } }),
            ],
          },
        },
      },
    },

    // Alertmanager, as the chart installs it.
    service(S, 'alertmanager-operated', { 'app.kubernetes.io/name': 'alertmanager' }, [{ name: 'http-web', port: 9093, targetPort: 'http-web' }], { 'operated-alertmanager': 'true' }, true),
    service(S, `${RELEASE}-alertmanager`, { 'app.kubernetes.io/name': 'alertmanager', alertmanager: `${RELEASE}-alertmanager` }, [{ name: 'http-web', port: 9093, targetPort: 9093 }], chartLabels({ app: `${RELEASE}-alertmanager` })),
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: `alertmanager-${RELEASE}-alertmanager`, namespace: S, labels: alertmanagerLabels },
      spec: {
        replicas: 1,
        serviceName: 'alertmanager-operated',
        selector: { matchLabels: alertmanagerLabels },
        template: {
          metadata: { labels: alertmanagerLabels },
          spec: { containers: [container({ name: 'alertmanager', image: 'quay.io/prometheus/alertmanager:v0.28.1', ports: [{ name: 'http-web', containerPort: 9093 }], requests: { memory: '200Mi' } })] },
        },
      },
    },

    // Grafana with its dashboard and datasource sidecars; login admin / prom-operator (chart default).
    service(S, GRAFANA_SERVICE, grafanaLabels, [{ name: 'http-web', port: 80, targetPort: 3000 }], chartLabels(grafanaLabels)),
    deployment(S, GRAFANA_SERVICE, grafanaLabels, [
      { name: 'grafana-sc-dashboard', image: 'quay.io/kiwigrid/k8s-sidecar:1.30.3' },
      { name: 'grafana-sc-datasources', image: 'quay.io/kiwigrid/k8s-sidecar:1.30.3' },
      { name: 'grafana', image: 'docker.io/grafana/grafana:12.0.2', ports: [{ name: 'grafana', containerPort: 3000 }] },
    ], chartLabels()),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: GRAFANA_SERVICE, namespace: S, labels: chartLabels(grafanaLabels) },
      type: 'Opaque',
      // The chart's documented default login (the extension tells users to change it).
      stringData: { 'admin-user': 'admin', 'admin-password': 'prom-operator', 'ldap-toml': '' },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${RELEASE}-grafana-datasource`, namespace: S, labels: chartLabels({ app: `${RELEASE}-grafana`, grafana_datasource: '1' }) },
      data: {
        'datasource.yaml': [
          'apiVersion: 1',
          'datasources:',
          `- name: "${GRAFANA_DATASOURCE.name}"`,
          `  type: ${GRAFANA_DATASOURCE.type}`,
          `  uid: ${GRAFANA_DATASOURCE.uid}`,
          `  url: ${GRAFANA_DATASOURCE.url}`,
          '  access: proxy',
          '  isDefault: true',
          '  jsonData:',
          `    httpMethod: ${GRAFANA_DATASOURCE.jsonData.httpMethod}`,
          `    timeInterval: ${GRAFANA_DATASOURCE.jsonData.timeInterval}`,
          '',
        ].join('\n'),
      },
    },
    ...dashboardConfigMaps(),

    // kube-state-metrics, node-exporter and the operator.
    service(S, `${RELEASE}-kube-state-metrics`, ksmLabels, [{ name: 'http', port: 8080, targetPort: 8080 }], chartLabels(ksmLabels)),
    deployment(S, `${RELEASE}-kube-state-metrics`, ksmLabels, [{ name: 'kube-state-metrics', image: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.16.0', ports: [{ name: 'http', containerPort: 8080 }] }], chartLabels()),
    service(S, `${RELEASE}-prometheus-node-exporter`, nodeExporterLabels, [{ name: 'http-metrics', port: 9100, targetPort: 9100 }], chartLabels(nodeExporterLabels)),
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: `${RELEASE}-prometheus-node-exporter`, namespace: S, labels: chartLabels(nodeExporterLabels) },
      spec: {
        selector: { matchLabels: nodeExporterLabels },
        template: {
          metadata: { labels: { ...chartLabels(), ...nodeExporterLabels } },
          spec: {
            hostNetwork: true,
            tolerations: [{ operator: 'Exists', effect: 'NoSchedule' }],
            containers: [container({ name: 'node-exporter', image: 'quay.io/prometheus/node-exporter:v1.9.1', ports: [{ name: 'http-metrics', containerPort: 9100 }] })],
          },
        },
      },
    },
    service(S, `${RELEASE}-operator`, operatorLabels, [{ name: 'https', port: 443, targetPort: 'https' }], chartLabels(operatorLabels)),
    deployment(S, `${RELEASE}-operator`, operatorLabels, [{ name: 'kube-prometheus-stack', image: `quay.io/prometheus-operator/prometheus-operator:${OPERATOR_TAG}`, ports: [{ name: 'https', containerPort: 10250 }] }], chartLabels()),

    // metrics-server, as DigitalOcean's 1-click installs it next to the stack.
    service(METRICS_SERVER_NAMESPACE, 'metrics-server', { 'app.kubernetes.io/name': 'metrics-server', 'app.kubernetes.io/instance': 'metrics-server' }, [{ name: 'https', port: 443, targetPort: 'https' }], { 'app.kubernetes.io/name': 'metrics-server', 'app.kubernetes.io/instance': 'metrics-server' }),
    deployment(METRICS_SERVER_NAMESPACE, 'metrics-server', { 'app.kubernetes.io/name': 'metrics-server', 'app.kubernetes.io/instance': 'metrics-server' }, [
      { name: 'metrics-server', image: 'registry.k8s.io/metrics-server/metrics-server:v0.7.2', ports: [{ name: 'https', containerPort: 10250 }], requests: { cpu: '100m', memory: '200Mi' } },
    ], {}),
  ];
}

export interface InstallOptions {
  /** Loopback port of the lab's Prometheus that the Prometheus pod's port 9090 forwards to. */
  prometheusPort: number;
  /** Loopback port of the lab's Grafana API fake that the Grafana pod's port 3000 forwards to. */
  grafanaPort?: number;
  log?: (msg: string) => void;
}

/** Server-side applies every object (idempotent), then the PortForward for the Prometheus pod. */
export async function applyStack(kubeconfigPath: string, opts: InstallOptions): Promise<void> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const objects = stackObjects();
  // Namespaces first, the rest after (a few at a time: the lab's apiserver shares 2 cores).
  for (const o of objects.filter((x) => x.kind === 'Namespace')) await apply(api, o);
  const rest = objects.filter((x) => x.kind !== 'Namespace');
  for (let i = 0; i < rest.length; i += 6) await Promise.all(rest.slice(i, i + 6).map((o) => apply(api, o)));
  await addPortForward(kubeconfigPath, {
    namespace: STACK_NAMESPACE,
    pod: PROMETHEUS_POD,
    ports: [9090],
    target: { address: '127.0.0.1', port: opts.prometheusPort },
  });
  if (opts.grafanaPort) {
    // The Grafana pod's name changes when it is replaced: a ClusterPortForward for the namespace,
    // port 3000 only (no other pod there listens on it).
    await addClusterPortForward(kubeconfigPath, GRAFANA_SERVICE, { namespaces: [STACK_NAMESPACE] }, [
      { ports: [GRAFANA_POD_PORT], target: { address: '127.0.0.1', port: opts.grafanaPort } },
    ]);
  }
  opts.log?.(
    `monitoring stack: ${objects.length} objects applied; ${STACK_NAMESPACE}/${PROMETHEUS_POD}:9090 forwards to 127.0.0.1:${opts.prometheusPort}` +
      (opts.grafanaPort ? `, Grafana pods' :${GRAFANA_POD_PORT} to 127.0.0.1:${opts.grafanaPort}` : ''),
  );
}

async function apply(api: k8s.KubernetesObjectApi, o: Obj): Promise<void> {
  try {
    await api.patch(o, undefined, undefined, FIELD_MANAGER, true, k8s.PatchStrategy.ServerSideApply);
  } catch (err) {
    const e = err as { code?: number; body?: unknown; message?: string };
    throw new Error(`applying ${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}: ${e.code ?? ''} ${typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? e.message)}`);
  }
}

/** Deletes the two namespaces (everything in them goes with them). With `wait`, until they are gone. */
export async function deleteStack(kubeconfigPath: string, opts: { wait?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  for (const name of [STACK_NAMESPACE, METRICS_SERVER_NAMESPACE]) {
    try {
      await core.deleteNamespace({ name });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
  if (!opts.wait) return;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (const name of [STACK_NAMESPACE, METRICS_SERVER_NAMESPACE]) {
    for (;;) {
      try {
        await core.readNamespace({ name });
      } catch (err) {
        if ((err as { code?: number }).code === 404) break;
        throw err;
      }
      if (Date.now() > deadline) throw new Error(`namespace ${name} still terminating after ${opts.timeoutMs ?? 60_000} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
