// The Workloads tree as plain data: context → namespaces → Deployments / Pods / Services → items, and the
// cluster's Nodes (status, roles, version, CPU/memory from the metrics API, pods per node).
// Built from plain Kubernetes objects (as the API returns them in JSON), so it is testable without a
// cluster and without VS Code. The UI maps TreeNode to vscode.TreeItem one to one.
import type { ObjectRef } from './refs';
import { cpuAndMemory, formatCpu, formatMemory, kubeAge, toMs } from './format';

// ---- the parts of Kubernetes objects the tree reads (plain JSON; timestamps may be strings or Dates) ----

type Time = string | Date | undefined;

export interface KMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: Time;
  deletionTimestamp?: Time;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind?: string; name?: string; controller?: boolean }[];
}

export interface KNamespace {
  metadata?: KMeta;
  status?: { phase?: string };
}

export interface KContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: Time };
  terminated?: { reason?: string; exitCode?: number; signal?: number };
}

export interface KContainerStatus {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  state?: KContainerState;
}

export interface KPod {
  metadata?: KMeta;
  spec?: { nodeName?: string; containers?: { name?: string }[]; initContainers?: { name?: string }[] };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    podIP?: string;
    startTime?: Time;
    containerStatuses?: KContainerStatus[];
    initContainerStatuses?: KContainerStatus[];
  };
}

export interface KDeployment {
  metadata?: KMeta;
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: { replicas?: number; readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number };
}

export interface KServicePort {
  name?: string;
  port?: number;
  targetPort?: number | string;
  nodePort?: number;
  protocol?: string;
}

export interface KService {
  metadata?: KMeta;
  spec?: { type?: string; clusterIP?: string; externalIPs?: string[]; ports?: KServicePort[]; externalName?: string };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export interface KNode {
  metadata?: KMeta;
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: { type?: string; status?: string }[];
    nodeInfo?: { kubeletVersion?: string };
    allocatable?: Record<string, string>;
    addresses?: { type?: string; address?: string }[];
  };
}

export interface WorkloadSnapshot {
  namespaces: readonly KNamespace[];
  deployments: readonly KDeployment[];
  pods: readonly KPod[];
  services: readonly KService[];
  /** Absent when nodes are not listed (not allowed, or not watched). */
  nodes?: readonly KNode[];
}

/** Pod CPU (millicores) and memory (bytes), from the metrics API. Key: `namespace/name`. */
export type PodUsage = Map<string, { cpuMilli: number; memoryBytes: number }>;
/** Node CPU (millicores) and memory (bytes), from the metrics API. Key: node name. */
export type NodeUsage = Map<string, { cpuMilli: number; memoryBytes: number }>;

// ---- the tree ----

export type NodeKind = 'context' | 'namespace' | 'group' | 'deployment' | 'pod' | 'service' | 'node' | 'message';

export interface TreeNode {
  /** Stable across rebuilds, so the view keeps selection and expansion. */
  id: string;
  kind: NodeKind;
  label: string;
  description?: string;
  tooltip?: string;
  /** A codicon id. */
  icon?: string;
  /** A theme colour id for the icon. */
  color?: string;
  contextValue?: string;
  ref?: ObjectRef;
  collapsible: 'none' | 'collapsed' | 'expanded';
  children?: TreeNode[];
}

export interface TreeInput {
  context: string;
  server?: string;
  snapshot: WorkloadSnapshot;
  allNamespaces: boolean;
  /** The Sock Shop namespace (setting sockShop.namespace). */
  sockShopNamespace: string;
  usage?: PodUsage;
  nodeUsage?: NodeUsage;
  now: Date;
  /** True until every informer has listed once. */
  loading?: boolean;
  /** A problem to show at the top (e.g. unreachable cluster); the last known objects stay below it. */
  problem?: string;
}

export function buildTree(input: TreeInput): TreeNode {
  const { context, snapshot } = input;
  const byNs = groupByNamespace(snapshot);
  const nsNames = namespaceOrder(input, byNs);
  const children: TreeNode[] = [];
  if (input.problem) {
    children.push({ id: `${context}/!problem`, kind: 'message', label: input.problem, tooltip: input.problem, icon: 'warning', color: 'problemsWarningIcon.foreground', collapsible: 'none' });
  }
  for (const ns of nsNames) children.push(namespaceNode(input, ns, byNs.get(ns)));
  if (snapshot.nodes?.length) children.push(nodesGroup(input, snapshot.nodes));
  return {
    id: context,
    kind: 'context',
    label: context,
    description: input.server,
    tooltip: `Kubernetes context ${context}${input.server ? `\nServer: ${input.server}` : ''}`,
    icon: 'server-environment',
    contextValue: 'context',
    ref: undefined,
    collapsible: 'expanded',
    children,
  };
}

interface NsObjects {
  ns?: KNamespace;
  deployments: KDeployment[];
  pods: KPod[];
  services: KService[];
}

function groupByNamespace(s: WorkloadSnapshot): Map<string, NsObjects> {
  const map = new Map<string, NsObjects>();
  const get = (ns: string) => {
    let v = map.get(ns);
    if (!v) map.set(ns, (v = { deployments: [], pods: [], services: [] }));
    return v;
  };
  for (const ns of s.namespaces) if (ns.metadata?.name) get(ns.metadata.name).ns = ns;
  for (const d of s.deployments) get(d.metadata?.namespace ?? '').deployments.push(d);
  for (const p of s.pods) get(p.metadata?.namespace ?? '').pods.push(p);
  for (const v of s.services) get(v.metadata?.namespace ?? '').services.push(v);
  return map;
}

function namespaceOrder(input: TreeInput, byNs: Map<string, NsObjects>): string[] {
  const main = input.sockShopNamespace;
  if (!input.allNamespaces) return [main];
  const others = [...byNs.keys()].filter((n) => n && n !== main).sort();
  return [main, ...others];
}

function namespaceNode(input: TreeInput, ns: string, objs: NsObjects | undefined): TreeNode {
  const id = `${input.context}/${ns}`;
  const isMain = ns === input.sockShopNamespace;
  const ref: ObjectRef = { kind: 'Namespace', name: ns, context: input.context };
  const exists = !!objs?.ns || !!(objs && (objs.pods.length || objs.deployments.length || objs.services.length));
  if (!exists) {
    return {
      // Its own id: VS Code keeps a node's collapsed state by id, and this leaf has no children, so
      // sharing the id with the namespace that Deploy creates would leave that one collapsed.
      id: `${id}/!missing`,
      kind: 'namespace',
      label: ns,
      description: input.loading ? 'loading…' : 'not deployed',
      tooltip: input.loading ? `Listing namespace ${ns}…` : `Namespace ${ns} does not exist in this cluster yet. Run "Deploy" to install Sock Shop.`,
      icon: 'symbol-namespace',
      collapsible: 'none',
      contextValue: input.loading ? undefined : 'missingNamespace',
    };
  }
  const o = objs!;
  const terminating = o.ns?.status?.phase === 'Terminating';
  const running = o.pods.filter((p) => podStatus(p).ok).length;
  const description = `${terminating ? 'Terminating · ' : ''}${running}/${o.pods.length} pods ready`;
  const index = labelIndex(o.pods);
  const groups: TreeNode[] = [
    group(id, 'Deployments', 'layers', sortByName(o.deployments).map((d) => deploymentNode(input, d, index)), isMain),
    group(id, 'Pods', 'symbol-misc', sortByName(o.pods).map((p) => podNode(input, p)), isMain),
    group(id, 'Services', 'plug', sortByName(o.services).map((s) => serviceNode(input, s)), false),
  ];
  return {
    id,
    kind: 'namespace',
    label: ns,
    description,
    tooltip: `Namespace ${ns}\n${o.deployments.length} deployments, ${o.pods.length} pods, ${o.services.length} services`,
    icon: 'symbol-namespace',
    color: terminating ? 'problemsWarningIcon.foreground' : undefined,
    contextValue: 'namespace',
    ref,
    collapsible: isMain ? 'expanded' : 'collapsed',
    children: groups,
  };
}

function group(parentId: string, label: string, icon: string, children: TreeNode[], expanded: boolean): TreeNode {
  return {
    // An empty group is a leaf; VS Code remembers a node's collapsed state by id, so a group that fills
    // up later (e.g. during the first Deploy) gets a new id and opens as `expanded` says.
    id: children.length ? `${parentId}/${label}` : `${parentId}/${label}/!empty`,
    kind: 'group',
    label,
    description: String(children.length),
    icon,
    collapsible: children.length ? (expanded ? 'expanded' : 'collapsed') : 'none',
    children,
  };
}

function sortByName<T extends { metadata?: KMeta }>(list: T[]): T[] {
  // Plain code-unit order: names are DNS labels, and localeCompare is slow on thousands of pods.
  return [...list].sort((a, b) => {
    const x = a.metadata?.name ?? '';
    const y = b.metadata?.name ?? '';
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

// ---- deployments ----

export function deploymentReady(d: KDeployment): { ready: number; desired: number } {
  return { ready: d.status?.readyReplicas ?? 0, desired: d.spec?.replicas ?? 1 };
}

/** Pods indexed by `key=value` of each label, so selecting pods per deployment is not pods × deployments. */
export type LabelIndex = Map<string, KPod[]>;

export function labelIndex(pods: readonly KPod[]): LabelIndex {
  const index: LabelIndex = new Map();
  for (const p of pods) {
    const labels = p.metadata?.labels;
    if (!labels) continue;
    for (const k in labels) {
      const key = `${k}=${labels[k]}`;
      const list = index.get(key);
      if (list) list.push(p);
      else index.set(key, [p]);
    }
  }
  return index;
}

/** The pods a deployment selects (by its matchLabels), from a list of pods (or an index of them). */
export function podsOfDeployment(d: KDeployment, pods: readonly KPod[] | LabelIndex): KPod[] {
  const sel = d.spec?.selector?.matchLabels;
  if (!sel || !Object.keys(sel).length) return [];
  const ns = d.metadata?.namespace;
  const entries = Object.entries(sel);
  let candidates: readonly KPod[];
  if (pods instanceof Map) {
    // Start from the rarest label of the selector.
    candidates = [];
    let best = Infinity;
    for (const [k, v] of entries) {
      const list = pods.get(`${k}=${v}`) ?? [];
      if (list.length < best) {
        best = list.length;
        candidates = list;
      }
    }
  } else candidates = pods;
  return candidates.filter((p) => p.metadata?.namespace === ns && entries.every(([k, v]) => p.metadata?.labels?.[k] === v));
}

const deploymentNodeCache = new WeakMap<object, { key: string; node: TreeNode }>();

function deploymentNode(input: TreeInput, d: KDeployment, nsPods: LabelIndex): TreeNode {
  const pods = podsOfDeployment(d, nsPods);
  const a = kubeAge(d.metadata?.creationTimestamp, input.now);
  // Same deployment object, same pod objects (by resourceVersion), same age: same node.
  let key = `${input.context}|${a}`;
  for (const p of pods) key += `|${p.metadata?.name}@${p.metadata?.resourceVersion}`;
  const cached = deploymentNodeCache.get(d);
  if (cached && cached.key === key) return cached.node;
  const name = d.metadata?.name ?? '?';
  const ns = d.metadata?.namespace ?? '';
  const { ready, desired } = deploymentReady(d);
  const ok = ready >= desired;
  const updated = d.status?.updatedReplicas ?? 0;
  const lines = [
    `Deployment ${ns}/${name}`,
    `Ready ${ready}/${desired}, up to date ${updated}, available ${d.status?.availableReplicas ?? 0}`,
    ...(pods.length ? ['Pods:', ...sortByName(pods).map((p) => `  ${p.metadata?.name} — ${podStatus(p).text}`)] : []),
  ];
  const node: TreeNode = {
    id: `${input.context}/${ns}/Deployments/${name}`,
    kind: 'deployment',
    label: name,
    description: `${ready}/${desired}${a ? ` · ${a}` : ''}`,
    tooltip: lines.join('\n'),
    icon: 'layers',
    color: desired === 0 ? undefined : ok ? 'testing.iconPassed' : 'problemsWarningIcon.foreground',
    contextValue: 'deployment',
    ref: { kind: 'Deployment', name, namespace: ns, context: input.context },
    collapsible: 'none',
  };
  deploymentNodeCache.set(d, { key, node });
  return node;
}

// ---- pods ----

export interface PodStatus {
  /** kubectl's STATUS column: Running, Pending, CrashLoopBackOff, Completed, Terminating, Init:0/1, ... */
  text: string;
  ready: number;
  total: number;
  restarts: number;
  /** Running and all containers ready. */
  ok: boolean;
  /** Something is wrong (failed, crash looping, image pull errors...). */
  bad: boolean;
}

// Objects from the informers are replaced, never mutated, when they change: per-object caches keyed
// by identity make rebuilding a tree of thousands of pods cost little more than the changed ones.
const statusCache = new WeakMap<object, PodStatus>();
const podNodeCache = new WeakMap<object, { key: string; node: TreeNode }>();
const createdCache = new WeakMap<object, number>();

/** The pod's status the way `kubectl get pods` prints it. */
export function podStatus(p: KPod): PodStatus {
  let s = statusCache.get(p);
  if (!s) statusCache.set(p, (s = computePodStatus(p)));
  return s;
}

function computePodStatus(p: KPod): PodStatus {
  const st = p.status ?? {};
  const containers = st.containerStatuses ?? [];
  const total = p.spec?.containers?.length ?? containers.length;
  let ready = 0;
  let restarts = 0;
  let reason = st.reason || st.phase || 'Unknown';

  let initializing = false;
  const inits = st.initContainerStatuses ?? [];
  const initTotal = p.spec?.initContainers?.length ?? inits.length;
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i];
    restarts += c.restartCount ?? 0;
    const t = c.state?.terminated;
    if (t && t.exitCode === 0) continue;
    initializing = true;
    if (t) reason = t.reason ? `Init:${t.reason}` : t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode}`;
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${initTotal}`;
    break;
  }
  if (!initializing) {
    let hasRunning = false;
    for (let i = containers.length - 1; i >= 0; i--) {
      const c = containers[i];
      restarts += c.restartCount ?? 0;
      const s = c.state;
      if (s?.waiting?.reason) reason = s.waiting.reason;
      else if (s?.terminated?.reason) reason = s.terminated.reason;
      else if (s?.terminated) reason = s.terminated.signal ? `Signal:${s.terminated.signal}` : `ExitCode:${s.terminated.exitCode}`;
      else if (s?.running && c.ready) {
        hasRunning = true;
        ready++;
      } else if (s?.running) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) reason = 'Running';
  } else {
    for (const c of containers) {
      restarts += c.restartCount ?? 0;
      if (c.ready) ready++;
    }
  }
  if (p.metadata?.deletionTimestamp) reason = st.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  const ok = reason === 'Running' && ready === total && total > 0;
  const bad =
    reason === 'Failed' ||
    reason === 'Error' ||
    reason === 'Unknown' ||
    /BackOff|Err|Invalid|OOMKilled|ContainerCannotRun|DeadlineExceeded|Evicted|ExitCode|Signal/.test(reason);
  return { text: reason, ready, total, restarts, ok, bad };
}

function podNode(input: TreeInput, p: KPod): TreeNode {
  const name = p.metadata?.name ?? '?';
  const ns = p.metadata?.namespace ?? '';
  let created = createdCache.get(p);
  if (created === undefined) createdCache.set(p, (created = toMs(p.metadata?.creationTimestamp) ?? NaN));
  const a = Number.isNaN(created) ? undefined : kubeAge(created, input.now);
  const use = input.usage?.get(`${ns}/${name}`);
  const key = `${input.context}|${a}|${use ? `${use.cpuMilli}|${use.memoryBytes}` : ''}`;
  const cached = podNodeCache.get(p);
  if (cached && cached.key === key) return cached.node;
  const built = buildPodNode(input, p, a, use);
  podNodeCache.set(p, { key, node: built });
  return built;
}

function buildPodNode(input: TreeInput, p: KPod, a: string | undefined, use: { cpuMilli: number; memoryBytes: number } | undefined): TreeNode {
  const name = p.metadata?.name ?? '?';
  const ns = p.metadata?.namespace ?? '';
  const s = podStatus(p);
  const node = p.spec?.nodeName;
  // Short enough for the default sidebar width next to a generated pod name; node, IP and usage are in the tooltip.
  const parts = [s.text, `${s.ready}/${s.total}`];
  if (s.restarts) parts.push(`${s.restarts} restart${s.restarts === 1 ? '' : 's'}`);
  if (a) parts.push(a);
  const tooltip = [
    `Pod ${ns}/${name}`,
    `Status: ${s.text} (${s.ready}/${s.total} containers ready)`,
    `Restarts: ${s.restarts}`,
    ...(a ? [`Age: ${a}`] : []),
    ...(node ? [`Node: ${node}`] : []),
    ...(p.status?.podIP ? [`IP: ${p.status.podIP}`] : []),
    ...(use ? [`CPU: ${formatCpu(use.cpuMilli)}, memory: ${formatMemory(use.memoryBytes)}`] : []),
    ...(p.status?.message ? [p.status.message] : []),
  ];
  let icon = 'circle-filled';
  let color = 'testing.iconPassed';
  if (s.text === 'Terminating') {
    icon = 'trash';
    color = 'disabledForeground';
  } else if (s.bad) {
    icon = 'error';
    color = 'testing.iconFailed';
  } else if (s.text === 'Completed' || s.text === 'Succeeded') {
    icon = 'pass';
    color = 'disabledForeground';
  } else if (!s.ok) {
    icon = 'clock';
    color = 'problemsWarningIcon.foreground';
  }
  return {
    id: `${input.context}/${ns}/Pods/${name}`,
    kind: 'pod',
    label: name,
    description: parts.join(' · '),
    tooltip: tooltip.join('\n'),
    icon,
    color,
    contextValue: ns === 'kube-system' ? 'pod.kube-system' : 'pod',
    ref: { kind: 'Pod', name, namespace: ns, context: input.context },
    collapsible: 'none',
  };
}

// ---- services ----

export function servicePorts(s: KService): string {
  return (s.spec?.ports ?? [])
    .map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`)
    .join(',');
}

/** EXTERNAL-IP as kubectl prints it: the LoadBalancer ingress, `<pending>`, or `<none>`. */
export function serviceExternalIp(s: KService): string {
  const type = s.spec?.type ?? 'ClusterIP';
  const ingress = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname).filter(Boolean) as string[];
  const external = [...(s.spec?.externalIPs ?? []), ...ingress];
  if (type === 'ExternalName') return s.spec?.externalName ?? '<none>';
  if (type === 'LoadBalancer' && !ingress.length) return external.length ? external.join(',') : '<pending>';
  return external.length ? external.join(',') : '<none>';
}

function serviceNode(input: TreeInput, s: KService): TreeNode {
  const name = s.metadata?.name ?? '?';
  const ns = s.metadata?.namespace ?? '';
  const type = s.spec?.type ?? 'ClusterIP';
  const ext = serviceExternalIp(s);
  const ports = servicePorts(s);
  // The address people use: the external one when there is one (the cluster IP is in the tooltip).
  const parts = [type, ext !== '<none>' ? ext : (s.spec?.clusterIP ?? '')];
  if (ports) parts.push(ports);
  const ctx = ['service', type.toLowerCase()];
  if (name === 'front-end') ctx.push('front-end');
  return {
    id: `${input.context}/${ns}/Services/${name}`,
    kind: 'service',
    label: name,
    description: parts.filter(Boolean).join(' · '),
    tooltip: [`Service ${ns}/${name}`, `Type: ${type}`, `Cluster IP: ${s.spec?.clusterIP ?? '<none>'}`, `External IP: ${ext}`, `Ports: ${ports || '<none>'}`].join('\n'),
    icon: type === 'LoadBalancer' ? 'globe' : type === 'NodePort' ? 'broadcast' : 'plug',
    color: type === 'LoadBalancer' && ext === '<pending>' ? 'problemsWarningIcon.foreground' : undefined,
    contextValue: ctx.join('.'),
    ref: { kind: 'Service', name, namespace: ns, context: input.context },
    collapsible: 'none',
  };
}

// ---- formatting ----

// Ages, CPU and memory are written the way kubectl writes them: src/core/kube/format.ts.

/** Finds a node by id in a tree (depth first). */
export function findNode(root: TreeNode, id: string): TreeNode | undefined {
  if (root.id === id) return root;
  for (const c of root.children ?? []) {
    const f = findNode(c, id);
    if (f) return f;
  }
  return undefined;
}

/**
 * The pod that replaced `gone`: a live pod of the same ReplicaSet (same name up to the last "-"), else of the
 * same Deployment (same name up to the second-to-last "-"), newest first; undefined when there is none.
 */
export function replacementPod(gone: string, pods: readonly { metadata?: { name?: string; creationTimestamp?: Date | string; deletionTimestamp?: Date | string } }[]): string | undefined {
  const parts = gone.split('-');
  const prefixes = [parts.slice(0, -1).join('-'), parts.slice(0, -2).join('-')].filter((p) => p.length > 0).map((p) => `${p}-`);
  const live = pods.filter((p) => p.metadata?.name && p.metadata.name !== gone && !p.metadata.deletionTimestamp);
  for (const prefix of prefixes) {
    // Same prefix and the same number of name segments ("front-end-x" is not a pod of "front").
    const same = live
      .filter((p) => p.metadata!.name!.startsWith(prefix) && p.metadata!.name!.split('-').length === parts.length)
      .sort((a, b) => (toMs(b.metadata?.creationTimestamp ?? undefined) ?? 0) - (toMs(a.metadata?.creationTimestamp ?? undefined) ?? 0));
    if (same.length) return same[0].metadata!.name!;
  }
  return undefined;
}

/** The parts of a node a tree row shows (children aside). */
function rowKey(n: TreeNode): string {
  return JSON.stringify([n.label, n.description, n.tooltip, n.icon, n.color, n.contextValue, n.collapsible]);
}

/**
 * The smallest set of nodes to redraw after a rebuild, by id: a node whose children changed (redrawn with
 * its subtree), else each node whose own row changed, its subtree left alone. A leaf whose description moved
 * is redrawn alone, so rows nearby keep their identity (a context menu opened on one still finds it).
 * `all` when there is nothing to compare with or the root itself is another.
 */
export function treeChanges(before: ReadonlyMap<string, TreeNode> | undefined, root: TreeNode): { all: true } | { all: false; ids: string[] } {
  const old = before?.get(root.id);
  if (!before || !old) return { all: true };
  const ids: string[] = [];
  const childIds = (n: TreeNode) => (n.children ?? []).map((c) => c.id).join('\0');
  const visit = (n: TreeNode, was: TreeNode) => {
    if (childIds(n) !== childIds(was)) {
      ids.push(n.id);
      return;
    }
    if (rowKey(n) !== rowKey(was)) ids.push(n.id);
    for (const c of n.children ?? []) {
      const prev = before.get(c.id);
      if (prev) visit(c, prev);
    }
  };
  visit(root, old);
  return { all: false, ids };
}

// ---- nodes ----

/** The roles a node's labels give it (node-role.kubernetes.io/<role>), as kubectl get nodes shows them. */
export function nodeRoles(n: KNode): string[] {
  return Object.keys(n.metadata?.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length) || '<none>')
    .sort();
}

/** kubectl's STATUS column: Ready / NotReady / Unknown, with SchedulingDisabled when cordoned. */
export function nodeStatus(n: KNode): { text: string; ready: boolean } {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  const base = ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown';
  return { text: n.spec?.unschedulable ? `${base},SchedulingDisabled` : base, ready: ready?.status === 'True' };
}

function pct(used: number, total: number): string {
  return total > 0 ? `${Math.round((used / total) * 100)}%` : '';
}

function nodesGroup(input: TreeInput, nodes: readonly KNode[]): TreeNode {
  const podsOn = new Map<string, number>();
  for (const p of input.snapshot.pods) {
    const n = p.spec?.nodeName;
    if (n && !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') podsOn.set(n, (podsOn.get(n) ?? 0) + 1);
  }
  const children = sortByName([...nodes]).map((n) => nodeNode(input, n, podsOn.get(n.metadata?.name ?? '') ?? 0));
  const notReady = children.filter((c) => c.contextValue === 'node.notReady').length;
  const g = group(input.context, 'Nodes', 'server', children, false);
  g.description = notReady ? `${children.length} · ${notReady} not ready` : String(children.length);
  return g;
}

function nodeNode(input: TreeInput, n: KNode, pods: number): TreeNode {
  const name = n.metadata?.name ?? '';
  const status = nodeStatus(n);
  const roles = nodeRoles(n);
  const version = n.status?.nodeInfo?.kubeletVersion ?? '';
  const u = input.nodeUsage?.get(name);
  const alloc = n.status?.allocatable ?? {};
  const { cpuMilli: cpuAlloc, memoryBytes: memAlloc } = cpuAndMemory(alloc);
  const usage = u ? `${formatCpu(u.cpuMilli)} · ${formatMemory(u.memoryBytes)}` : '';
  // The pods counted are those the tree lists: every namespace's, or the one namespace's it shows.
  const scope = input.allNamespaces ? '' : ` in ${input.sockShopNamespace}`;
  const podsText = `${pods} pod${pods === 1 ? '' : 's'}${scope}`;
  const description = [status.ready ? (n.spec?.unschedulable ? 'cordoned' : '') : status.text, usage, podsText].filter(Boolean).join(' · ');
  const ip = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const tooltip = [
    `Node ${name}`,
    `Status: ${status.text}`,
    `Roles: ${roles.length ? roles.join(', ') : '<none>'}`,
    version ? `Version: ${version}` : '',
    ip ? `Internal IP: ${ip}` : '',
    u ? `CPU: ${formatCpu(u.cpuMilli)}${cpuAlloc ? ` of ${formatCpu(cpuAlloc)} allocatable (${pct(u.cpuMilli, cpuAlloc)})` : ''}` : 'CPU: no metrics (metrics API)',
    u ? `Memory: ${formatMemory(u.memoryBytes)}${memAlloc ? ` of ${formatMemory(memAlloc)} allocatable (${pct(u.memoryBytes, memAlloc)})` : ''}` : '',
    input.allNamespaces ? `Pods: ${pods}${alloc.pods ? ` of ${alloc.pods}` : ''}` : `Pods${scope}: ${pods} (Show All Namespaces counts every pod)`,
    `Age: ${kubeAge(n.metadata?.creationTimestamp, input.now)}`,
  ]
    .filter(Boolean)
    .join('\n');
  return {
    id: `${input.context}/!nodes/${name}`,
    kind: 'node',
    label: name,
    description,
    tooltip,
    icon: 'server',
    color: status.ready ? (n.spec?.unschedulable ? 'problemsWarningIcon.foreground' : 'testing.iconPassed') : 'problemsErrorIcon.foreground',
    contextValue: status.ready ? 'node' : 'node.notReady',
    ref: { kind: 'Node', name, context: input.context },
    collapsible: 'none',
  };
}
