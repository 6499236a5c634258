// The lab's monitoring: a real Prometheus (Debian's prometheus 2.42) on loopback with the recording
// rules of kube-prometheus, scraping
//   - kwok's simulated cAdvisor endpoint of every node (job="kubelet", metrics_path="/metrics/cadvisor"),
//     defined by the kwok Metric this component creates (monitoring/cadvisor.ts);
//   - the real kube-state-metrics v2 (job="kube-state-metrics"), built with the lab's other Go binaries
//     (test/lab/build.ts: the Go module proxy refuses only the version list of k8s.io/kube-state-metrics/v2,
//     an exact version downloads), listening on loopback with its self-metrics on a telemetry port;
//     a small daemon (monitoring/node-targets.ts) keeps the cAdvisor targets file current;
//   - Debian's prometheus-node-exporter (job="node-exporter"), i.e. the lab machine itself.
// Beside them, a FAKE of Grafana's HTTP API (monitoring/grafana-fake.ts; Grafana itself is AGPL and
// not used) with the stack's Prometheus datasource proxied to the lab's Prometheus; the Grafana
// pod's port 3000 is port-forwarded to it once the Monitoring Stack is installed.
// Each process is a plain loopback daemon recorded by pid (the node-targets daemon runs from an esbuild
// bundle made at start, see nodeTargetsBundle()).
//
// `lab up` does not put the Monitoring Stack's objects into the cluster; DigitalOcean's 1-click does
// (the DigitalOcean fake calls installMonitoringStack()), so the extension sees them appear.
//
// Ports (environment; "0" picks a free port; a taken default is replaced by a free port and logged,
// an explicitly requested port that is taken is an error):
//   SOCK_SHOP_LAB_PROMETHEUS_PORT      default 39090
//   SOCK_SHOP_LAB_NODE_EXPORTER_PORT   default 39100
//   SOCK_SHOP_LAB_KSM_PORT             default 38080
//   SOCK_SHOP_LAB_GRAFANA_PORT         default 33000 (the Grafana API fake)
// SOCK_SHOP_LAB_PROMETHEUS_INTERVAL (default 5s) sets the scrape and rule evaluation interval;
// SOCK_SHOP_LAB_PROMETHEUS_CLUSTER, when set, adds that `cluster` label to every target (DOKS has none).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import type { ComponentState, LabComponent, LabContext } from './component.ts';
import { cadvisorMetric, cadvisorPath, CADVISOR_METRIC_NAME } from './monitoring/cadvisor.ts';
import { nodeTargets, prometheusConfig, recordingRules } from './monitoring/prometheus-config.ts';
import { applyStack, DASHBOARDS_DIR, deleteStack, GRAFANA_DATASOURCE, PROMETHEUS_POD, PROMETHEUS_SERVICE, GRAFANA_SERVICE, STACK_NAMESPACE } from './monitoring/stack.ts';
import type { GrafanaFakeConfig } from './monitoring/grafana-fake.ts';
import { bundleDaemon } from './bundle.ts';
import { binaryPaths, versionArgs } from './build.ts';
import { REPO_ROOT, cacheRoot, labHome, referenceDir, statePath } from './paths.ts';
import { assertPortFree, freePort, httpReady, isAlive, startDaemon, stopPid, waitFor } from './proc.ts';

export { PROMETHEUS_POD, PROMETHEUS_SERVICE, GRAFANA_SERVICE, STACK_NAMESPACE };

const execFileP = promisify(execFile);

export const PROMETHEUS_BIN = process.env.SOCK_SHOP_LAB_PROMETHEUS_BIN || '/usr/bin/prometheus';
export const PROMTOOL_BIN = process.env.SOCK_SHOP_LAB_PROMTOOL_BIN || '/usr/bin/promtool';
export const NODE_EXPORTER_BIN = process.env.SOCK_SHOP_LAB_NODE_EXPORTER_BIN || '/usr/bin/prometheus-node-exporter';
export const REFERENCE_DIR = referenceDir();
export const RULE_FILES = ['kube-prometheus-rules-kubernetes.yaml', 'kube-prometheus-rules-node-exporter.yaml'];

const DEFAULT_PORTS = { prometheus: 39090, nodeExporter: 39100, ksm: 38080, grafana: 33000 } as const;

/** What the monitoring component keeps in state.json. */
export interface MonitoringState extends ComponentState {
  ports: { prometheus: number; nodeExporter: number; ksm: number; grafana?: number };
  dir: string;
  /** Prometheus' TSDB (wiped at each start of the component, kept by prometheusStop/Start). */
  dataDir: string;
  prometheusConfig: string;
  rulesFile: string;
  recordingRules: number;
  droppedRules: string[];
  startedAt: string;
  /** Milliseconds from start() until all three daemons answered (and kwok served the cAdvisor path). */
  readyMs: number;
  /** Milliseconds per start phase, for the lab's start-time budget. */
  phases: Record<string, number>;
  /** What kube-state-metrics, Prometheus and node-exporter say their versions are (see versionOf). */
  versions?: Record<string, string>;
}

/**
 * The port for one daemon: an explicit SOCK_SHOP_LAB_*_PORT must be free (else a clear error naming
 * the variable); "0" means any free port; unset means the default, or a free port when the default
 * is taken (several labs on one machine), which is logged.
 */
async function pickPort(env: string, fallback: number, who: string, log: (m: string) => void): Promise<number> {
  const raw = process.env[env];
  if (raw === '0') return freePort();
  if (raw) {
    const port = Number(raw);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`${env} must be a TCP port or 0 (got "${raw}")`);
    try {
      await assertPortFree(port, who);
    } catch (err) {
      throw new Error(`${(err as Error).message} ${env}=${raw} asks for that port: change it, or set ${env}=0 for any free port.`);
    }
    return port;
  }
  try {
    await assertPortFree(fallback, who);
    return fallback;
  } catch {
    const port = await freePort();
    log(`port ${fallback} (default for ${who}) is taken; using ${port}. Set ${env} to pin a port.`);
    return port;
  }
}

function checkBinary(path: string, pkg: string): void {
  if (existsSync(path)) return;
  throw new Error(
    `${path} is missing. Install Debian's ${pkg}: \`apt-get install -y ${pkg}\` ` +
      '(or run `node test/setup/bootstrap.mjs --lab`, which does it).',
  );
}

function kubeClient(kubeconfig: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc;
}

/** Creates or updates the kwok Metric that serves the cAdvisor-style series. */
export async function ensureCadvisorMetric(kubeconfig: string): Promise<void> {
  const kc = kubeClient(kubeconfig);
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  try {
    await ext.readCustomResourceDefinition({ name: 'metrics.kwok.x-k8s.io' });
  } catch (err) {
    if ((err as { code?: number }).code === 404) {
      throw new Error(
        "kwok's Metric CRD (metrics.kwok.x-k8s.io) is not in the cluster, so the simulated cAdvisor metrics " +
          'cannot be served. The lab cluster must be created with `enableCRDs` including Metric (test/lab/cluster.ts).',
      );
    }
    throw err;
  }
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  await api.patch(cadvisorMetric() as k8s.KubernetesObject, undefined, undefined, 'sock-shop-lab', true, k8s.PatchStrategy.ServerSideApply);
}

/** The kubelet endpoint kwok serves for the first node (InternalIP:kubeletPort), if any node exists. */
async function firstNodeCadvisorUrl(kubeconfig: string): Promise<string | undefined> {
  const core = kubeClient(kubeconfig).makeApiClient(k8s.CoreV1Api);
  const nodes = await core.listNode({ limit: 1 });
  const n = nodes.items[0];
  if (!n) return undefined;
  const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const port = n.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!ip || !port) return undefined;
  return `http://${ip}:${port}${cadvisorPath(n.metadata!.name!)}`;
}

/** Writes the rules file, dropping (and reporting) rules this Prometheus cannot load. */
/** Hash of files' contents (and extra strings), for names in the shared cache. */
function contentHash(files: string[], extra: string[] = []): string {
  const h = createHash('sha256');
  for (const f of files) h.update(existsSync(f) ? readFileSync(f) : `missing:${f}`);
  for (const e of extra) h.update(e);
  return h.digest('hex').slice(0, 12);
}

/** Writes `body` to `file` through a temporary file and a rename, so a concurrent reader never sees half of it. */
function writeAtomic(file: string, body: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, body);
  renameSync(tmp, file);
}

/**
 * Writes the rules file, dropping (and reporting) rules this Prometheus cannot load (`promtool check
 * rules` decides). The checked result is cached in the lab cache, keyed by the rule sources.
 */
async function writeRules(file: string, log: (m: string) => void): Promise<{ count: number; dropped: string[] }> {
  const sources = RULE_FILES.map((f) => join(REFERENCE_DIR, f));
  for (const s of sources) if (!existsSync(s)) throw new Error(`kube-prometheus rules not found: ${s} (they ship in test/lab/reference; SOCK_SHOP_LAB_REFERENCE overrides the directory)`);
  const cacheDir = join(cacheRoot(), 'monitoring');
  mkdirSync(cacheDir, { recursive: true });
  const tool = existsSync(PROMTOOL_BIN) ? statSync(PROMTOOL_BIN) : undefined;
  const key = contentHash([...sources, join(import.meta.dirname, 'monitoring', 'prometheus-config.ts')], [`${PROMTOOL_BIN}:${tool?.size}:${tool?.mtimeMs}`]);
  const cached = join(cacheDir, `rules-${key}.yml`);
  const cachedMeta = `${cached}.json`;
  if (existsSync(cached) && existsSync(cachedMeta)) {
    const meta = JSON.parse(readFileSync(cachedMeta, 'utf8')) as { count: number; dropped: string[] };
    writeFileSync(file, readFileSync(cached));
    for (const d of meta.dropped) log(`rules: left out ${d}`);
    return meta;
  }
  const unsupported = new Set<string>();
  for (let attempt = 0; attempt < 20; attempt++) {
    const r = recordingRules(sources, unsupported);
    writeFileSync(file, r.yaml);
    if (!existsSync(PROMTOOL_BIN)) return { count: r.recordingRules, dropped: r.dropped };
    try {
      await execFileP(PROMTOOL_BIN, ['check', 'rules', '--lint=none', file]);
      for (const d of r.dropped) log(`rules: left out ${d}`);
      const meta = { count: r.recordingRules, dropped: r.dropped };
      writeAtomic(cached, r.yaml);
      writeAtomic(cachedMeta, JSON.stringify(meta));
      return meta;
    } catch (err) {
      const out = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
      const names = [...out.matchAll(/"([a-zA-Z_:][a-zA-Z0-9_:]*)":/g)].map((m) => m[1]).filter((n) => !unsupported.has(n));
      if (!names.length) throw new Error(`promtool rejected ${file} and named no rule:\n${out.slice(0, 2000)}`);
      for (const n of names) unsupported.add(n);
    }
  }
  throw new Error(`could not produce a rules file Prometheus accepts (${file})`);
}

function prometheusArgs(configFile: string, dataDir: string, port: number): string[] {
  return [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${dataDir}`,
    '--storage.tsdb.retention.time=6h',
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-lifecycle',
    '--log.level=warn',
  ];
}

async function prometheusReady(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/-/ready`, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.status === 200;
}

/**
 * The node-targets daemon as one bundled ESM file (esbuild), kept in the lab cache under a hash of its
 * sources (so every lab home shares it and a changed source gets a new bundle): run by plain node it needs
 * about half the memory of running the TypeScript through tsx, and starts faster.
 */
async function nodeTargetsBundle(): Promise<string> {
  const entry = join(import.meta.dirname, 'monitoring', 'node-targets.ts');
  const sources = ['node-targets.ts', 'prometheus-config.ts', 'cadvisor.ts'].map((f) => join(import.meta.dirname, 'monitoring', f));
  sources.push(join(REPO_ROOT, 'package-lock.json'));
  const dir = join(cacheRoot(), 'monitoring');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `node-targets-${contentHash(sources, [process.version])}.mjs`);
  if (existsSync(out)) return out;
  return bundleDaemon(entry, out);
}

/** What a program says its version is (the line of its version output naming it), or why it could not say. */
async function versionOf(bin: string, args = ['--version']): Promise<string> {
  try {
    const { stdout, stderr } = await promisify(execFile)(bin, args, { timeout: 10_000 });
    const line = `${stdout}\n${stderr}`.split('\n').find((l) => /version/i.test(l)) ?? '';
    return /version\s+(\S+)/i.exec(line)?.[1] ?? (line.trim() || '(unknown)');
  } catch (err) {
    return `(${args.join(' ')} failed: ${(err as Error).message.split('\n')[0]})`;
  }
}

/** waitFor, but failing at once (with the log's tail) when the process exits meanwhile. */
async function waitAlive(what: string, pid: number, logFile: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  let exited = false;
  await waitFor(
    what,
    async () => {
      if (!isAlive(pid)) {
        exited = true;
        return true;
      }
      return probe();
    },
    timeoutMs,
    logFile,
  );
  if (exited) {
    const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
    throw new Error(`${what} exited while starting (pid ${pid})\n--- last lines of ${logFile} ---\n${tail}`);
  }
}

function readMonitoringState(home: string): MonitoringState | undefined {
  try {
    const s = JSON.parse(readFileSync(statePath(home), 'utf8')) as { components?: Record<string, ComponentState> };
    return s.components?.monitoring as MonitoringState | undefined;
  } catch {
    return undefined;
  }
}

async function startMonitoring(ctx: LabContext, started: Record<string, number>): Promise<MonitoringState> {
  const t0 = Date.now();
  const phases: Record<string, number> = {};
  let last = t0;
  const phase = (name: string) => {
    const now = Date.now();
    phases[name] = now - last;
    last = now;
  };
  checkBinary(PROMETHEUS_BIN, 'prometheus');
  checkBinary(NODE_EXPORTER_BIN, 'prometheus-node-exporter');
  if (!existsSync(ctx.kubeconfig)) throw new Error(`no kubeconfig at ${ctx.kubeconfig}: the cluster must be up before monitoring`);

  const ports = {
    prometheus: await pickPort('SOCK_SHOP_LAB_PROMETHEUS_PORT', DEFAULT_PORTS.prometheus, 'the lab Prometheus', ctx.log),
    nodeExporter: await pickPort('SOCK_SHOP_LAB_NODE_EXPORTER_PORT', DEFAULT_PORTS.nodeExporter, 'the lab node-exporter', ctx.log),
    ksm: await pickPort('SOCK_SHOP_LAB_KSM_PORT', DEFAULT_PORTS.ksm, 'the lab kube-state-metrics', ctx.log),
    grafana: await pickPort('SOCK_SHOP_LAB_GRAFANA_PORT', DEFAULT_PORTS.grafana, "the lab's Grafana API fake", ctx.log),
  };
  // Two free-port picks can in principle return the same number: pick again until all differ.
  while (ports.nodeExporter === ports.prometheus) ports.nodeExporter = await freePort();
  while (ports.ksm === ports.prometheus || ports.ksm === ports.nodeExporter) ports.ksm = await freePort();
  while ([ports.prometheus, ports.nodeExporter, ports.ksm].includes(ports.grafana)) ports.grafana = await freePort();
  // kube-state-metrics' own metrics and /readyz (not scraped: DOKS' stack scrapes only the main port).
  let ksmTelemetry = await freePort();
  while ([ports.prometheus, ports.nodeExporter, ports.ksm, ports.grafana].includes(ksmTelemetry)) ksmTelemetry = await freePort();
  const dir = join(ctx.home, 'monitoring');
  const dataDir = join(dir, 'prometheus-data');
  mkdirSync(dir, { recursive: true });
  // A fresh TSDB each time: series of a previous cluster's pods must not show up in this one.
  rmSync(dataDir, { recursive: true, force: true });

  const rulesFile = join(dir, 'rules.yml');
  const rules = await writeRules(rulesFile, ctx.log);
  phase('rules');
  // The node list as it is now; the node-targets daemon keeps the file current afterwards.
  const nodeTargetsFile = join(dir, 'cadvisor-targets.json');
  const nodes = await kubeClient(ctx.kubeconfig).makeApiClient(k8s.CoreV1Api).listNode();
  writeFileSync(nodeTargetsFile, JSON.stringify(nodeTargets(nodes.items), null, 1) + '\n');
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(
    configFile,
    prometheusConfig({
      nodeTargetsFile,
      ksmAddress: `127.0.0.1:${ports.ksm}`,
      nodeExporterAddress: `127.0.0.1:${ports.nodeExporter}`,
      prometheusAddress: `127.0.0.1:${ports.prometheus}`,
      rulesFile,
      interval: process.env.SOCK_SHOP_LAB_PROMETHEUS_INTERVAL || '5s',
      cluster: process.env.SOCK_SHOP_LAB_PROMETHEUS_CLUSTER || undefined,
    }),
  );

  await ensureCadvisorMetric(ctx.kubeconfig);
  phase('cluster objects');

  const logs = {
    prometheus: join(dir, 'prometheus.log'),
    nodeExporter: join(dir, 'node-exporter.log'),
    ksm: join(dir, 'kube-state-metrics.log'),
    nodeTargets: join(dir, 'node-targets.log'),
    grafana: join(dir, 'grafana-fake.log'),
  };
  started['node-exporter'] = startDaemon(
    NODE_EXPORTER_BIN,
    // Debian enables the systemd collector, which fails every scrape without a systemd bus.
    [`--web.listen-address=127.0.0.1:${ports.nodeExporter}`, '--log.level=warn', '--no-collector.systemd'],
    { logFile: logs.nodeExporter },
  );
  const ksmBin = binaryPaths()['kube-state-metrics'];
  if (!existsSync(ksmBin)) throw new Error(`${ksmBin} is missing: build it with \`node --import tsx test/lab/build.ts\` (or \`npm run lab\`, which does it)`);
  started['kube-state-metrics'] = startDaemon(
    ksmBin,
    [`--kubeconfig=${ctx.kubeconfig}`, '--host=127.0.0.1', `--port=${ports.ksm}`, '--telemetry-host=127.0.0.1', `--telemetry-port=${ksmTelemetry}`],
    { logFile: logs.ksm },
  );
  const nodeTargetsScript = await nodeTargetsBundle();
  phase('bundle');
  started['node-targets'] = startDaemon(process.execPath, [nodeTargetsScript, '--kubeconfig', ctx.kubeconfig, '--out', nodeTargetsFile], { logFile: logs.nodeTargets, cwd: REPO_ROOT });
  started.prometheus = startDaemon(PROMETHEUS_BIN, prometheusArgs(configFile, dataDir, ports.prometheus), { logFile: logs.prometheus, cwd: dir });
  const grafanaConfig: GrafanaFakeConfig = {
    port: ports.grafana,
    // Kept across restarts of the component, like Grafana keeps it in its database.
    stateFile: join(dir, 'grafana-fake-admin.json'),
    dashboardsDir: DASHBOARDS_DIR,
    datasources: [{ id: 1, ...GRAFANA_DATASOURCE, upstream: `http://127.0.0.1:${ports.prometheus}/` }],
  };
  const grafanaConfigFile = join(dir, 'grafana-fake.json');
  writeFileSync(grafanaConfigFile, JSON.stringify(grafanaConfig, null, 2) + '\n');
  const grafanaScript = await bundleDaemon(join(import.meta.dirname, 'monitoring', 'grafana-fake.ts'), join(dir, 'grafana-fake.mjs'));
  started.grafana = startDaemon(process.execPath, [grafanaScript, grafanaConfigFile], { logFile: logs.grafana, cwd: REPO_ROOT });

  await Promise.all([
    waitAlive('node-exporter', started['node-exporter'], logs.nodeExporter, () => httpReady(`http://127.0.0.1:${ports.nodeExporter}/metrics`), 20_000),
    // Ready once it has listed the nodes (its stores fill from informers; /healthz answers before that).
    waitAlive(
      'kube-state-metrics',
      started['kube-state-metrics'],
      logs.ksm,
      async () => {
        const res = await fetch(`http://127.0.0.1:${ports.ksm}/metrics`, { signal: AbortSignal.timeout(2_000) });
        return res.status === 200 && /^kube_node_info\{/m.test(await res.text());
      },
      45_000,
    ),
    waitAlive('Prometheus', started.prometheus, logs.prometheus, () => prometheusReady(ports.prometheus), 45_000),
    waitAlive("the Grafana API fake", started.grafana, logs.grafana, () => httpReady(`http://127.0.0.1:${ports.grafana}/api/health`), 30_000),
  ]);
  phase('daemons ready');

  // kwok picks the new Metric up through its informer: check its path answers before saying "up".
  const cadvisorUrl = await firstNodeCadvisorUrl(ctx.kubeconfig);
  if (cadvisorUrl) {
    await waitFor(
      `kwok serving ${cadvisorUrl}`,
      async () => {
        const res = await fetch(cadvisorUrl, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        return res.status === 200;
      },
      20_000,
    );
  }
  phase('kwok path');
  const [ksmVersion, prometheusVersion, nodeExporterVersion] = await Promise.all([versionOf(ksmBin, versionArgs('kube-state-metrics')), versionOf(PROMETHEUS_BIN), versionOf(NODE_EXPORTER_BIN)]);

  return {
    pids: { ...started },
    urls: {
      prometheus: `http://127.0.0.1:${ports.prometheus}`,
      'node-exporter': `http://127.0.0.1:${ports.nodeExporter}/metrics`,
      'kube-state-metrics': `http://127.0.0.1:${ports.ksm}/metrics`,
      grafana: `http://127.0.0.1:${ports.grafana}`,
    },
    ports,
    dir,
    dataDir,
    prometheusConfig: configFile,
    rulesFile,
    recordingRules: rules.count,
    droppedRules: rules.dropped,
    startedAt: new Date().toISOString(),
    readyMs: Date.now() - t0,
    phases,
    versions: { 'kube-state-metrics': ksmVersion, prometheus: prometheusVersion, 'node-exporter': nodeExporterVersion },
  };
}

async function stopMonitoring(state: ComponentState | undefined): Promise<void> {
  const pids = state?.pids ?? {};
  // Prometheus first (it scrapes the others), then the exporters.
  for (const role of ['grafana', 'prometheus', 'kube-state-metrics', 'node-targets', 'node-exporter', ...Object.keys(pids)]) {
    if (pids[role]) await stopPid(pids[role]);
  }
}

export const monitoringComponent: LabComponent = {
  name: 'monitoring',
  async start(ctx) {
    const started: Record<string, number> = {};
    try {
      return await startMonitoring(ctx, started);
    } catch (err) {
      // Leave no process behind when monitoring could not come up.
      await stopMonitoring({ pids: started, urls: {} });
      throw err;
    }
  },
  async stop(_ctx, state) {
    await stopMonitoring(state);
  },
};

/** The lab Prometheus' port: explicit, else from the lab state next to the kubeconfig or in labHome(). */
function prometheusPortFor(kubeconfigPath: string, explicit?: number): number {
  if (explicit) return explicit;
  for (const home of [dirname(kubeconfigPath), labHome()]) {
    const s = readMonitoringState(home);
    if (s?.ports?.prometheus) return s.ports.prometheus;
  }
  const fromEnv = Number(process.env.SOCK_SHOP_LAB_PROMETHEUS_PORT);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_PORTS.prometheus;
}

/** The Grafana API fake's port, found the same way. */
function grafanaPortFor(kubeconfigPath: string, explicit?: number): number {
  if (explicit) return explicit;
  for (const home of [dirname(kubeconfigPath), labHome()]) {
    const s = readMonitoringState(home);
    if (s?.ports?.grafana) return s.ports.grafana;
  }
  const fromEnv = Number(process.env.SOCK_SHOP_LAB_GRAFANA_PORT);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_PORTS.grafana;
}

/**
 * Puts into the cluster what DigitalOcean's `monitoring` 1-click leaves: namespaces
 * kube-prometheus-stack and metrics-server, the stack's Services/workloads (kwok pods), the Grafana
 * dashboards as ConfigMaps labelled grafana_dashboard: "1", and a kwok PortForward so that an
 * apiserver port-forward to the Prometheus pod's port 9090 reaches the lab's real Prometheus.
 * Idempotent (server-side apply).
 */
export async function installMonitoringStack(
  kubeconfigPath: string,
  opts: { prometheusPort?: number; grafanaPort?: number; log?: (m: string) => void } = {},
): Promise<void> {
  const prometheusPort = prometheusPortFor(kubeconfigPath, opts.prometheusPort);
  const grafanaPort = grafanaPortFor(kubeconfigPath, opts.grafanaPort);
  await applyStack(kubeconfigPath, { prometheusPort, grafanaPort, log: opts.log });
  // The objects are what the 1-click leaves either way; say so when the port-forward has nothing behind it.
  const answers = await fetch(`http://127.0.0.1:${prometheusPort}/-/ready`, { signal: AbortSignal.timeout(2_000) }).then(
    (r) => r.ok,
    () => false,
  );
  if (!answers) {
    opts.log?.(`monitoring stack: no lab Prometheus answers on 127.0.0.1:${prometheusPort}; port-forwards to ${PROMETHEUS_POD} will fail until the monitoring component runs`);
  }
}

/** Removes what installMonitoringStack() put in (both namespaces). `wait` blocks until they are gone. */
export async function uninstallMonitoringStack(kubeconfigPath: string, opts: { wait?: boolean; timeoutMs?: number } = {}): Promise<void> {
  await deleteStack(kubeconfigPath, opts);
}

// --- fault injection: stop and start the lab's Prometheus (its TSDB is kept) --------------------

function updateMonitoringState(home: string, change: (m: MonitoringState) => void): MonitoringState {
  const file = statePath(home);
  const state = JSON.parse(readFileSync(file, 'utf8')) as { components?: Record<string, ComponentState> };
  const m = state.components?.monitoring as MonitoringState | undefined;
  if (!m) throw new Error('the lab monitoring is not running; start the lab with `npm run lab -- up`');
  change(m);
  writeAtomic(file, JSON.stringify(state, null, 2) + '\n');
  return m;
}

/**
 * Stops the lab's Prometheus process (SIGTERM; the exporters keep running), as when Prometheus goes
 * away mid-session. Its pid leaves state.json, so `lab up` does not restart the whole component.
 */
export async function prometheusStop(home = labHome()): Promise<void> {
  const m = readMonitoringState(home);
  if (!m) throw new Error('the lab monitoring is not running; start the lab with `npm run lab -- up`');
  await stopPid(m.pids.prometheus);
  updateMonitoringState(home, (s) => {
    delete s.pids.prometheus;
  });
}

/** Starts Prometheus again on the same port, config and TSDB; resolves when it is ready. */
export async function prometheusStart(home = labHome()): Promise<number> {
  const m = readMonitoringState(home);
  if (!m) throw new Error('the lab monitoring is not running; start the lab with `npm run lab -- up`');
  if (m.pids.prometheus && isAlive(m.pids.prometheus)) return m.pids.prometheus;
  await assertPortFree(m.ports.prometheus, 'the lab Prometheus');
  const logFile = join(m.dir, 'prometheus.log');
  const pid = startDaemon(PROMETHEUS_BIN, prometheusArgs(m.prometheusConfig, m.dataDir ?? join(m.dir, 'prometheus-data'), m.ports.prometheus), { logFile, cwd: m.dir });
  try {
    await waitAlive('Prometheus', pid, logFile, () => prometheusReady(m.ports.prometheus), 45_000);
  } catch (err) {
    await stopPid(pid);
    throw err;
  }
  updateMonitoringState(home, (s) => {
    s.pids.prometheus = pid;
  });
  return pid;
}

/** Instant query against a Prometheus base URL; returns the result vector. */
export async function promQuery(baseUrl: string, query: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${baseUrl}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: unknown } };
  if (body.status !== 'success') throw new Error(`Prometheus query failed (${res.status}): ${body.error ?? JSON.stringify(body)}\n  ${query}`);
  if (body.data?.resultType !== 'vector') throw new Error(`expected a vector, got ${body.data?.resultType}`);
  return body.data.result as { metric: Record<string, string>; value: [number, string] }[];
}

export { CADVISOR_METRIC_NAME };
