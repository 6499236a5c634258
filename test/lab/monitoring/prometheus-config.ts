// prometheus.yml and the rules file of the lab's Prometheus (Debian's prometheus 2.42).
//
// Scrape jobs are labelled the way kube-prometheus-stack labels them, because the recording rules and
// the dashboards select on those labels:
//   job="kubelet", metrics_path="/metrics/cadvisor", node=<node>   the cAdvisor series (served by kwok)
//   job="kube-state-metrics"                                        kube-state-metrics (the real one)
//   job="node-exporter"                                             Debian's prometheus-node-exporter
// The cAdvisor targets come from the cluster's Node objects: one per node, at the node's InternalIP
// and kubelet port (which kwok serves). Debian's prometheus 2.42 is built without Kubernetes service
// discovery (`kubernetes_sd_configs` is an unknown field there), so the node list reaches Prometheus
// as a file_sd file that the lab keeps current (nodeTargets(), written by the node-targets daemon's node
// informer).
import { readFileSync } from 'node:fs';
import type { V1Node } from '@kubernetes/client-node';
import { stringify, parse } from 'yaml';
import { KWOK_CADVISOR_PREFIX, cadvisorPath } from './cadvisor.ts';

/** file_sd target groups for the nodes' simulated cAdvisor endpoints (JSON for the file). */
export function nodeTargets(nodes: readonly V1Node[]): { targets: string[]; labels: Record<string, string> }[] {
  const groups = [];
  for (const n of nodes) {
    const name = n.metadata?.name;
    const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    const port = n.status?.daemonEndpoints?.kubeletEndpoint?.Port;
    if (!name || !ip || !port) continue; // not initialised by kwok yet
    groups.push({
      targets: [`${ip.includes(':') ? `[${ip}]` : ip}:${port}`],
      labels: { node: name, __metrics_path__: cadvisorPath(name) },
    });
  }
  return groups.sort((a, b) => a.labels.node.localeCompare(b.labels.node));
}

export interface PrometheusConfigInput {
  /** file_sd file listing each node's simulated kubelet (see nodeTargets()). */
  nodeTargetsFile: string;
  /** host:port of kube-state-metrics. */
  ksmAddress: string;
  /** host:port of node-exporter. */
  nodeExporterAddress: string;
  /** host:port Prometheus itself listens on (it scrapes itself, as the stack does). */
  prometheusAddress: string;
  rulesFile: string;
  /** Scrape and rule evaluation interval (default 5s, short so tests don't wait long). */
  interval?: string;
  /**
   * A `cluster` label on every target. DigitalOcean's stack sets none, and the dashboards then
   * resolve `$cluster` to "" (which matches series without the label), so by default there is none.
   */
  cluster?: string;
}

export function prometheusConfig(c: PrometheusConfigInput): string {
  const interval = c.interval ?? '5s';
  const clusterRelabel = c.cluster ? [{ target_label: 'cluster', replacement: c.cluster }] : [];
  const staticJob = (job: string, target: string, honorLabels: boolean) => ({
    job_name: job,
    honor_labels: honorLabels,
    static_configs: [{ targets: [target] }],
    relabel_configs: [...clusterRelabel],
  });
  const config = {
    global: {
      scrape_interval: interval,
      scrape_timeout: interval,
      evaluation_interval: interval,
    },
    rule_files: [c.rulesFile],
    scrape_configs: [
      {
        job_name: 'kubelet-cadvisor',
        honor_labels: true,
        scheme: 'http',
        file_sd_configs: [{ files: [c.nodeTargetsFile], refresh_interval: '30s' }],
        relabel_configs: [
          { target_label: 'metrics_path', replacement: '/metrics/cadvisor' },
          { target_label: 'job', replacement: 'kubelet' },
          ...clusterRelabel,
        ],
        metric_relabel_configs: [
          // Keep only this Metric's series (kwok serves every Metric of a node from one registry).
          { source_labels: ['__name__'], regex: `${KWOK_CADVISOR_PREFIX}.+`, action: 'keep' },
          { source_labels: ['__name__'], regex: `${KWOK_CADVISOR_PREFIX}(.+)`, target_label: '__name__', replacement: '$1' },
        ],
      },
      staticJob('kube-state-metrics', c.ksmAddress, true),
      staticJob('node-exporter', c.nodeExporterAddress, false),
      staticJob('prometheus', c.prometheusAddress, false),
    ],
  };
  return stringify(config, { lineWidth: 0 });
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Array<{ record?: string; alert?: string; expr: string; labels?: Record<string, string> }>;
}

export interface RulesResult {
  /** YAML for Prometheus' rule_files. */
  yaml: string;
  groups: number;
  recordingRules: number;
  /** What was left out, with the reason (logged by the component). */
  dropped: string[];
}

/**
 * The recording rules of kube-prometheus' PrometheusRule manifests, as a plain Prometheus rules
 * file (`spec.groups`). Alerting rules are left out: the lab runs no Alertmanager, and evaluating
 * ~90 alerts every 5 s would only cost CPU on a 2-core machine. `unsupported` lists record names
 * Prometheus 2.42 refused (filled by the caller after `promtool check rules`), which are dropped.
 */
export function recordingRules(files: string[], unsupported: ReadonlySet<string> = new Set()): RulesResult {
  const groups: RuleGroup[] = [];
  const dropped: string[] = [];
  let alerts = 0;
  for (const file of files) {
    const doc = parse(readFileSync(file, 'utf8')) as { spec?: { groups?: RuleGroup[] } };
    for (const g of doc.spec?.groups ?? []) {
      const rules = g.rules.filter((r) => {
        if (!r.record) {
          alerts++;
          return false;
        }
        if (unsupported.has(r.record)) {
          dropped.push(`${g.name}/${r.record}: not loadable by Prometheus 2.42`);
          return false;
        }
        return true;
      });
      if (rules.length) groups.push({ name: g.name, ...(g.interval ? { interval: g.interval } : {}), rules });
    }
  }
  if (alerts) dropped.push(`${alerts} alerting rules (the lab has no Alertmanager)`);
  return {
    yaml: stringify({ groups }, { lineWidth: 0 }),
    groups: groups.length,
    recordingRules: groups.reduce((n, g) => n + g.rules.length, 0),
    dropped,
  };
}
