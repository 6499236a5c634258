// The lab's stand-in for the kubelet's cAdvisor endpoint (/metrics/cadvisor): a kwok `Metric`
// (kwok.x-k8s.io/v1alpha1) whose values kwok computes per node from the pods' simulated usage
// (ClusterResourceUsage / ResourceUsage), served by the kwok controller at
// /metrics/nodes/{nodeName}/metrics/cadvisor/<version> (see cadvisorPath()).
//
// Two kwok 0.7 facts shape it:
// - kwok keeps ONE Prometheus registry per node for every Metric path, and each scrape re-registers
//   the series of the Metric being served. kwokctl's own `metrics-resource` Metric (what
//   metrics-server reads) already registers `container_cpu_usage_seconds_total{container,namespace,pod}`;
//   a second family with the same name but more labels (image, id, ...) would be refused by the
//   registry whenever both were scraped close together. So the series here carry the prefix
//   `kwok_cadvisor_`, and the lab's Prometheus strips it at scrape time (metric_relabel_configs),
//   giving the real cAdvisor names.
// - Label values and sample values are CEL expressions over `node`, `pod` and `container`; a label
//   that evaluates to "" is dropped by Prometheus, which is how cAdvisor's pod-level cgroup series
//   look (no container, no image), so the kube-prometheus rules' `image!=""` filter keeps its meaning.
//
// What is simulated and what is not: CPU (cumulative core-seconds) and memory working set come from
// kwok's usage model. The container's RSS equals its working set and page cache/swap are 0 (the
// simulated containers have no file cache). Network counters come from the simulated resources
// `network-receive-bytes` / `network-transmit-bytes` (bytes per second, per container, summed per
// pod), which are 0 unless a (Cluster)ResourceUsage defines them. Filesystem I/O and CFS throttling
// series are not produced.

import { createHash } from 'node:crypto';

export const CADVISOR_METRIC_NAME = 'sock-shop-lab-cadvisor';
/** Prefix the kwok-side names carry; stripped by Prometheus' metric_relabel_configs. */
export const KWOK_CADVISOR_PREFIX = 'kwok_cadvisor_';

interface MetricConfig {
  name: string;
  help: string;
  kind: 'counter' | 'gauge';
  dimension: 'node' | 'pod' | 'container';
  labels: { name: string; value: string }[];
  value: string;
}

const str = (s: string) => JSON.stringify(s); // a CEL string literal

/** Labels of a container-level cgroup series, as the kubelet's cAdvisor endpoint reports them. */
function containerLabels(extra: { name: string; value: string }[] = []) {
  return [
    { name: 'container', value: 'container.name' },
    { name: 'id', value: '"/kubepods/pod" + pod.metadata.uid + "/" + container.name' },
    { name: 'image', value: 'container.image' },
    { name: 'name', value: 'container.name' },
    { name: 'namespace', value: 'pod.metadata.namespace' },
    { name: 'pod', value: 'pod.metadata.name' },
    ...extra,
  ];
}

/** Labels of the pod-level cgroup series: same label names, container/image/name empty. */
function podLabels(extra: { name: string; value: string }[] = []) {
  return [
    { name: 'container', value: str('') },
    { name: 'id', value: '"/kubepods/pod" + pod.metadata.uid' },
    { name: 'image', value: str('') },
    { name: 'name', value: str('') },
    { name: 'namespace', value: 'pod.metadata.namespace' },
    { name: 'pod', value: 'pod.metadata.name' },
    ...extra,
  ];
}

function both(
  name: string,
  help: string,
  kind: MetricConfig['kind'],
  containerValue: string,
  podValue: string,
  extra: { name: string; value: string }[] = [],
): MetricConfig[] {
  return [
    { name: KWOK_CADVISOR_PREFIX + name, help, kind, dimension: 'container', labels: containerLabels(extra), value: containerValue },
    { name: KWOK_CADVISOR_PREFIX + name, help, kind, dimension: 'pod', labels: podLabels(extra), value: podValue },
  ];
}

/** Pod-level network counters (cAdvisor reports network per pod sandbox, on interface eth0). */
function network(name: string, help: string, resource: string): MetricConfig {
  return {
    name: KWOK_CADVISOR_PREFIX + name,
    help,
    kind: 'counter',
    dimension: 'pod',
    labels: podLabels([{ name: 'interface', value: str('eth0') }]),
    value: `pod.CumulativeUsage(${str(resource)})`,
  };
}

export function cadvisorMetricConfigs(): MetricConfig[] {
  return [
    ...both(
      'container_cpu_usage_seconds_total',
      'Cumulative cpu time consumed in seconds.',
      'counter',
      'pod.CumulativeUsage("cpu", container.name)',
      'pod.CumulativeUsage("cpu")',
      [{ name: 'cpu', value: str('total') }],
    ),
    ...both(
      'container_memory_working_set_bytes',
      'Current working set in bytes.',
      'gauge',
      'pod.Usage("memory", container.name)',
      'pod.Usage("memory")',
    ),
    ...both('container_memory_rss', 'Size of RSS in bytes.', 'gauge', 'pod.Usage("memory", container.name)', 'pod.Usage("memory")'),
    ...both('container_memory_cache', 'Number of bytes of page cache memory.', 'gauge', '0.0', '0.0'),
    ...both('container_memory_swap', 'Container swap usage in bytes.', 'gauge', '0.0', '0.0'),
    network('container_network_receive_bytes_total', 'Cumulative count of bytes received', 'network-receive-bytes'),
    network('container_network_transmit_bytes_total', 'Cumulative count of bytes transmitted', 'network-transmit-bytes'),
    network('container_network_receive_packets_total', 'Cumulative count of packets received', 'network-receive-packets'),
    network('container_network_transmit_packets_total', 'Cumulative count of packets transmitted', 'network-transmit-packets'),
    network('container_network_receive_packets_dropped_total', 'Cumulative count of packets dropped while receiving', 'network-receive-packets-dropped'),
    network('container_network_transmit_packets_dropped_total', 'Cumulative count of packets dropped while transmitting', 'network-transmit-packets-dropped'),
  ];
}

/**
 * Where kwok serves a node's series: /metrics/nodes/<node>/metrics/cadvisor/<version>. kwok 0.7 keeps
 * serving the first definition registered for a path (its router cannot replace a route, it logs
 * "Failed to remove route ... dynamic routes are not enabled"), so a changed definition gets a new
 * path: <version> is a hash of the metric definitions.
 */
export function cadvisorPath(nodeName: string): string {
  const version = createHash('sha256').update(JSON.stringify(cadvisorMetricConfigs())).digest('hex').slice(0, 10);
  return `/metrics/nodes/${nodeName}/metrics/cadvisor/${version}`;
}

/** The kwok Metric object (kwok.x-k8s.io/v1alpha1, cluster-scoped). */
export function cadvisorMetric() {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Metric',
    metadata: { name: CADVISOR_METRIC_NAME, labels: { 'app.kubernetes.io/part-of': 'sock-shop-lab' } },
    spec: {
      path: cadvisorPath('{nodeName}'),
      metrics: cadvisorMetricConfigs(),
    },
  };
}
