// Metric families of the lab's kube-state-metrics stand-in, rendered in the Prometheus text format
// from plain Kubernetes objects.
//
// Why a stand-in: the lab builds everything from the Go module proxy, and k8s.io/kube-state-metrics
// is not served by the proxy here (403), so the real exporter cannot be built. This module
// reproduces, with kube-state-metrics v2's metric names, label names and value conventions
// (cpu in cores, memory in bytes, owner labels "" when there is no owner, one series per phase /
// condition status, resource names with '-', '.' and '/' turned into '_'), the families the
// kube-prometheus recording rules and the Grafana dashboards of the Monitoring Stack query, plus the
// workload families the extension and the kube-prometheus alerts read. Families that nothing here
// reads (annotations, labels allowlists, PVCs, HPAs, cronjobs, ...) are not produced.
import type {
  V1DaemonSet, V1Deployment, V1Job, V1Namespace, V1Node, V1ObjectMeta, V1Pod, V1ReplicaSet, V1ResourceQuota,
  V1Service, V1StatefulSet,
} from '@kubernetes/client-node';

export interface KsmObjects {
  pods: readonly V1Pod[];
  nodes: readonly V1Node[];
  namespaces: readonly V1Namespace[];
  deployments: readonly V1Deployment[];
  replicasets: readonly V1ReplicaSet[];
  statefulsets: readonly V1StatefulSet[];
  daemonsets: readonly V1DaemonSet[];
  jobs: readonly V1Job[];
  resourcequotas: readonly V1ResourceQuota[];
  services: readonly V1Service[];
}

type Labels = Record<string, string>;

class Family {
  readonly lines: string[] = [];
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'gauge' | 'counter' = 'gauge',
  ) {}
  add(labels: Labels, value: number): void {
    if (!Number.isFinite(value)) return;
    const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
    this.lines.push(`${this.name}{${parts.join(',')}} ${formatValue(value)}`);
  }
  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.lines);
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  return String(v); // JavaScript's shortest round-trip form parses back exactly in Prometheus
}

/** Parses a Kubernetes resource quantity ("100m", "64Mi", "1.5", "2e3") into a number. */
export function parseQuantity(q: string | number | undefined): number {
  if (q === undefined || q === null) return NaN;
  if (typeof q === 'number') return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  const suffix = m[2];
  const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  const decimal: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
  if (suffix in binary) return n * binary[suffix];
  if (suffix in decimal) return n * decimal[suffix];
  return NaN;
}

/** kube-state-metrics' label sanitising of resource names (e.g. ephemeral-storage → ephemeral_storage). */
export function sanitizeResourceName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

/** Unit and value of a resource the way kube-state-metrics reports requests, limits and node capacity. */
function resourceSample(name: string, quantity: string): { resource: string; unit: string; value: number } | undefined {
  const value = parseQuantity(quantity);
  if (!Number.isFinite(value)) return undefined;
  if (name === 'cpu') return { resource: 'cpu', unit: 'core', value: Math.round(value * 1000) / 1000 };
  if (name === 'memory' || name === 'storage' || name === 'ephemeral-storage' || name.startsWith('hugepages-')) {
    return { resource: sanitizeResourceName(name), unit: 'byte', value };
  }
  if (name.startsWith('attachable-volumes-')) return { resource: sanitizeResourceName(name), unit: 'byte', value };
  if (name === 'pods') return { resource: 'pods', unit: 'integer', value };
  // Extended resources (vendor.com/gpu, ...) are integers.
  if (name.includes('/')) return { resource: sanitizeResourceName(name), unit: 'integer', value };
  return undefined;
}

function unixSeconds(t: Date | string | undefined): number {
  if (!t) return NaN;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isFinite(ms) ? ms / 1000 : NaN;
}

function controllerOf(meta: V1ObjectMeta | undefined) {
  return meta?.ownerReferences?.find((o) => o.controller) ?? undefined;
}

/** One series per owner; with no owner, one series with empty owner labels (kube-state-metrics v2). */
function ownerSeries(f: Family, base: Labels, meta: V1ObjectMeta | undefined): void {
  const owners = meta?.ownerReferences ?? [];
  if (owners.length === 0) {
    f.add({ ...base, owner_kind: '', owner_name: '', owner_is_controller: '' }, 1);
    return;
  }
  for (const o of owners) {
    f.add({ ...base, owner_kind: o.kind, owner_name: o.name, owner_is_controller: String(o.controller ?? false) }, 1);
  }
}

function conditionSeries(f: Family, base: Labels, status: string | undefined, extra: Labels = {}): void {
  const s = (status ?? '').toLowerCase();
  for (const v of ['true', 'false', 'unknown']) f.add({ ...base, ...extra, status: v }, s === v ? 1 : 0);
}

function podFamilies(pods: readonly V1Pod[]): Family[] {
  const info = new Family('kube_pod_info', 'Information about pod.');
  const owner = new Family('kube_pod_owner', "Information about the Pod's owner.");
  const phase = new Family('kube_pod_status_phase', 'The pods current phase.');
  const ready = new Family('kube_pod_status_ready', 'Describes whether the pod is ready to serve requests.');
  const scheduled = new Family('kube_pod_status_scheduled', 'Describes the status of the scheduling process for the pod.');
  const created = new Family('kube_pod_created', 'Unix creation timestamp');
  const started = new Family('kube_pod_start_time', 'Start time in unix timestamp for a pod.');
  const deleted = new Family('kube_pod_deletion_timestamp', 'Unix deletion timestamp');
  const cInfo = new Family('kube_pod_container_info', 'Information about a container in a pod.');
  const cReady = new Family('kube_pod_container_status_ready', 'Describes whether the containers readiness check succeeded.');
  const cRunning = new Family('kube_pod_container_status_running', 'Describes whether the container is currently in running state.');
  const cWaiting = new Family('kube_pod_container_status_waiting', 'Describes whether the container is currently in waiting state.');
  const cWaitingReason = new Family('kube_pod_container_status_waiting_reason', 'Describes the reason the container is currently in waiting state.');
  const cTerminated = new Family('kube_pod_container_status_terminated', 'Describes whether the container is currently in terminated state.');
  const cTerminatedReason = new Family('kube_pod_container_status_terminated_reason', 'Describes the reason the container is currently in terminated state.');
  const cLastTerminatedReason = new Family('kube_pod_container_status_last_terminated_reason', 'Describes the last reason the container was in terminated state.');
  const cRestarts = new Family('kube_pod_container_status_restarts_total', 'The number of container restarts per container.', 'counter');
  const requests = new Family('kube_pod_container_resource_requests', 'The number of requested request resource by a container.');
  const limits = new Family('kube_pod_container_resource_limits', 'The number of requested limit resource by a container.');

  for (const p of pods) {
    const meta = p.metadata ?? {};
    const base: Labels = { namespace: meta.namespace ?? '', pod: meta.name ?? '', uid: meta.uid ?? '' };
    const node = p.spec?.nodeName ?? '';
    const ctl = controllerOf(meta);
    info.add(
      {
        ...base,
        host_ip: p.status?.hostIP ?? '',
        pod_ip: p.status?.podIP ?? '',
        node,
        created_by_kind: ctl?.kind ?? '',
        created_by_name: ctl?.name ?? '',
        priority_class: p.spec?.priorityClassName ?? '',
        host_network: String(p.spec?.hostNetwork ?? false),
      },
      1,
    );
    ownerSeries(owner, base, meta);
    const ph = p.status?.phase;
    if (ph) for (const v of ['Pending', 'Succeeded', 'Failed', 'Unknown', 'Running']) phase.add({ ...base, phase: v }, ph === v ? 1 : 0);
    for (const c of p.status?.conditions ?? []) {
      if (c.type === 'Ready') conditionSeries(ready, base, c.status, {});
      if (c.type === 'PodScheduled') conditionSeries(scheduled, base, c.status, {});
    }
    created.add(base, unixSeconds(meta.creationTimestamp));
    if (p.status?.startTime) started.add(base, unixSeconds(p.status.startTime));
    if (meta.deletionTimestamp) deleted.add(base, unixSeconds(meta.deletionTimestamp));

    const specImages = new Map((p.spec?.containers ?? []).map((c) => [c.name, c.image ?? '']));
    for (const cs of p.status?.containerStatuses ?? []) {
      const cl = { ...base, container: cs.name };
      cInfo.add(
        { ...cl, image_spec: specImages.get(cs.name) ?? '', image: cs.image ?? '', image_id: cs.imageID ?? '', container_id: cs.containerID ?? '' },
        1,
      );
      cReady.add(cl, cs.ready ? 1 : 0);
      cRunning.add(cl, cs.state?.running ? 1 : 0);
      cWaiting.add(cl, cs.state?.waiting ? 1 : 0);
      if (cs.state?.waiting?.reason) cWaitingReason.add({ ...cl, reason: cs.state.waiting.reason }, 1);
      cTerminated.add(cl, cs.state?.terminated ? 1 : 0);
      if (cs.state?.terminated?.reason) cTerminatedReason.add({ ...cl, reason: cs.state.terminated.reason }, 1);
      if (cs.lastState?.terminated?.reason) cLastTerminatedReason.add({ ...cl, reason: cs.lastState.terminated.reason }, 1);
      cRestarts.add(cl, cs.restartCount ?? 0);
    }
    for (const c of p.spec?.containers ?? []) {
      for (const [fam, list] of [
        [requests, c.resources?.requests],
        [limits, c.resources?.limits],
      ] as const) {
        for (const [name, q] of Object.entries(list ?? {})) {
          const s = resourceSample(name, String(q));
          if (s) fam.add({ ...base, container: c.name, node, resource: s.resource, unit: s.unit }, s.value);
        }
      }
    }
  }
  return [info, owner, phase, ready, scheduled, created, started, deleted, cInfo, cReady, cRunning, cWaiting, cWaitingReason,
    cTerminated, cTerminatedReason, cLastTerminatedReason, cRestarts, requests, limits];
}

function nodeFamilies(nodes: readonly V1Node[]): Family[] {
  const info = new Family('kube_node_info', 'Information about a cluster node.');
  const created = new Family('kube_node_created', 'Unix creation timestamp');
  const labels = new Family('kube_node_labels', 'Kubernetes labels converted to Prometheus labels.');
  const unschedulable = new Family('kube_node_spec_unschedulable', 'Whether a node can schedule new pods.');
  const taint = new Family('kube_node_spec_taint', 'The taint of a cluster node.');
  const condition = new Family('kube_node_status_condition', 'The condition of a cluster node.');
  const capacity = new Family('kube_node_status_capacity', 'The capacity for different resources of a node.');
  const allocatable = new Family('kube_node_status_allocatable', 'The allocatable for different resources of a node that are available for scheduling.');
  const addresses = new Family('kube_node_status_addresses', 'Node address information.');
  for (const n of nodes) {
    const node = n.metadata?.name ?? '';
    const ni = n.status?.nodeInfo;
    const internalIp = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
    info.add(
      {
        node,
        kernel_version: ni?.kernelVersion ?? '',
        os_image: ni?.osImage ?? '',
        container_runtime_version: ni?.containerRuntimeVersion ?? '',
        kubelet_version: ni?.kubeletVersion ?? '',
        kubeproxy_version: ni?.kubeProxyVersion ?? '',
        provider_id: n.spec?.providerID ?? '',
        pod_cidr: n.spec?.podCIDR ?? '',
        system_uuid: ni?.systemUUID ?? '',
        internal_ip: internalIp,
      },
      1,
    );
    created.add({ node }, unixSeconds(n.metadata?.creationTimestamp));
    labels.add({ node }, 1);
    unschedulable.add({ node }, n.spec?.unschedulable ? 1 : 0);
    for (const t of n.spec?.taints ?? []) taint.add({ node, key: t.key, value: t.value ?? '', effect: t.effect }, 1);
    for (const c of n.status?.conditions ?? []) conditionSeries(condition, { node }, c.status, { condition: c.type });
    for (const [fam, list] of [
      [capacity, n.status?.capacity],
      [allocatable, n.status?.allocatable],
    ] as const) {
      for (const [name, q] of Object.entries(list ?? {})) {
        const s = resourceSample(name, String(q));
        if (s) fam.add({ node, resource: s.resource, unit: s.unit }, s.value);
      }
    }
    for (const a of n.status?.addresses ?? []) addresses.add({ node, type: a.type, address: a.address }, 1);
  }
  return [info, created, labels, unschedulable, taint, condition, capacity, allocatable, addresses];
}

function namespaceFamilies(namespaces: readonly V1Namespace[]): Family[] {
  const phase = new Family('kube_namespace_status_phase', 'kubernetes namespace status phase.');
  const created = new Family('kube_namespace_created', 'Unix creation timestamp');
  const labels = new Family('kube_namespace_labels', 'Kubernetes labels converted to Prometheus labels.');
  for (const ns of namespaces) {
    const namespace = ns.metadata?.name ?? '';
    const ph = ns.status?.phase ?? 'Active';
    for (const v of ['Active', 'Terminating']) phase.add({ namespace, phase: v }, ph === v ? 1 : 0);
    created.add({ namespace }, unixSeconds(ns.metadata?.creationTimestamp));
    labels.add({ namespace }, 1);
  }
  return [phase, created, labels];
}

function deploymentFamilies(deployments: readonly V1Deployment[]): Family[] {
  const f = {
    created: new Family('kube_deployment_created', 'Unix creation timestamp'),
    specReplicas: new Family('kube_deployment_spec_replicas', 'Number of desired pods for a deployment.'),
    paused: new Family('kube_deployment_spec_paused', 'Whether the deployment is paused and will not be processed by the deployment controller.'),
    generation: new Family('kube_deployment_metadata_generation', 'Sequence number representing a specific generation of the desired state.'),
    observed: new Family('kube_deployment_status_observed_generation', 'The generation observed by the deployment controller.'),
    replicas: new Family('kube_deployment_status_replicas', 'The number of replicas per deployment.'),
    ready: new Family('kube_deployment_status_replicas_ready', 'The number of ready replicas per deployment.'),
    available: new Family('kube_deployment_status_replicas_available', 'The number of available replicas per deployment.'),
    unavailable: new Family('kube_deployment_status_replicas_unavailable', 'The number of unavailable replicas per deployment.'),
    updated: new Family('kube_deployment_status_replicas_updated', 'The number of updated replicas per deployment.'),
    condition: new Family('kube_deployment_status_condition', 'The current status conditions of a deployment.'),
  };
  for (const d of deployments) {
    const base = { namespace: d.metadata?.namespace ?? '', deployment: d.metadata?.name ?? '' };
    const st = d.status ?? {};
    f.created.add(base, unixSeconds(d.metadata?.creationTimestamp));
    f.specReplicas.add(base, d.spec?.replicas ?? 1);
    f.paused.add(base, d.spec?.paused ? 1 : 0);
    f.generation.add(base, d.metadata?.generation ?? 0);
    f.observed.add(base, st.observedGeneration ?? 0);
    f.replicas.add(base, st.replicas ?? 0);
    f.ready.add(base, st.readyReplicas ?? 0);
    f.available.add(base, st.availableReplicas ?? 0);
    f.unavailable.add(base, st.unavailableReplicas ?? 0);
    f.updated.add(base, st.updatedReplicas ?? 0);
    for (const c of st.conditions ?? []) conditionSeries(f.condition, base, c.status, { reason: c.reason ?? '', condition: c.type });
  }
  return Object.values(f);
}

function replicasetFamilies(replicasets: readonly V1ReplicaSet[]): Family[] {
  const f = {
    created: new Family('kube_replicaset_created', 'Unix creation timestamp'),
    spec: new Family('kube_replicaset_spec_replicas', 'Number of desired pods for a ReplicaSet.'),
    replicas: new Family('kube_replicaset_status_replicas', 'The number of replicas per ReplicaSet.'),
    ready: new Family('kube_replicaset_status_ready_replicas', 'The number of ready replicas per ReplicaSet.'),
    labeled: new Family('kube_replicaset_status_fully_labeled_replicas', 'The number of fully labeled replicas per ReplicaSet.'),
    observed: new Family('kube_replicaset_status_observed_generation', 'The generation observed by the ReplicaSet controller.'),
    generation: new Family('kube_replicaset_metadata_generation', 'Sequence number representing a specific generation of the desired state.'),
    owner: new Family('kube_replicaset_owner', "Information about the ReplicaSet's owner."),
  };
  for (const r of replicasets) {
    const base = { namespace: r.metadata?.namespace ?? '', replicaset: r.metadata?.name ?? '' };
    const st = r.status;
    f.created.add(base, unixSeconds(r.metadata?.creationTimestamp));
    f.spec.add(base, r.spec?.replicas ?? 1);
    f.replicas.add(base, st?.replicas ?? 0);
    f.ready.add(base, st?.readyReplicas ?? 0);
    f.labeled.add(base, st?.fullyLabeledReplicas ?? 0);
    f.observed.add(base, st?.observedGeneration ?? 0);
    f.generation.add(base, r.metadata?.generation ?? 0);
    ownerSeries(f.owner, base, r.metadata);
  }
  return Object.values(f);
}

function statefulsetFamilies(statefulsets: readonly V1StatefulSet[]): Family[] {
  const f = {
    created: new Family('kube_statefulset_created', 'Unix creation timestamp'),
    replicas: new Family('kube_statefulset_replicas', 'Number of desired pods for a StatefulSet.'),
    statusReplicas: new Family('kube_statefulset_status_replicas', 'The number of replicas per StatefulSet.'),
    ready: new Family('kube_statefulset_status_replicas_ready', 'The number of ready replicas per StatefulSet.'),
    current: new Family('kube_statefulset_status_replicas_current', 'The number of current replicas per StatefulSet.'),
    updated: new Family('kube_statefulset_status_replicas_updated', 'The number of updated replicas per StatefulSet.'),
    available: new Family('kube_statefulset_status_replicas_available', 'The number of available replicas per StatefulSet.'),
    generation: new Family('kube_statefulset_metadata_generation', 'Sequence number representing a specific generation of the desired state for the StatefulSet.'),
    observed: new Family('kube_statefulset_status_observed_generation', 'The generation observed by the StatefulSet controller.'),
    currentRevision: new Family('kube_statefulset_status_current_revision', 'Indicates the version of the StatefulSet used to generate Pods in the sequence [0,currentReplicas).'),
    updateRevision: new Family('kube_statefulset_status_update_revision', 'Indicates the version of the StatefulSet used to generate Pods in the sequence [replicas-updatedReplicas,replicas)'),
  };
  for (const s of statefulsets) {
    const base = { namespace: s.metadata?.namespace ?? '', statefulset: s.metadata?.name ?? '' };
    const st = s.status;
    f.created.add(base, unixSeconds(s.metadata?.creationTimestamp));
    f.replicas.add(base, s.spec?.replicas ?? 1);
    f.statusReplicas.add(base, st?.replicas ?? 0);
    f.ready.add(base, st?.readyReplicas ?? 0);
    f.current.add(base, st?.currentReplicas ?? 0);
    f.updated.add(base, st?.updatedReplicas ?? 0);
    f.available.add(base, st?.availableReplicas ?? 0);
    f.generation.add(base, s.metadata?.generation ?? 0);
    f.observed.add(base, st?.observedGeneration ?? 0);
    if (st?.currentRevision) f.currentRevision.add({ ...base, revision: st.currentRevision }, 1);
    if (st?.updateRevision) f.updateRevision.add({ ...base, revision: st.updateRevision }, 1);
  }
  return Object.values(f);
}

function daemonsetFamilies(daemonsets: readonly V1DaemonSet[]): Family[] {
  const f = {
    created: new Family('kube_daemonset_created', 'Unix creation timestamp'),
    current: new Family('kube_daemonset_status_current_number_scheduled', 'The number of nodes running at least one daemon pod and are supposed to.'),
    desired: new Family('kube_daemonset_status_desired_number_scheduled', 'The number of nodes that should be running the daemon pod.'),
    available: new Family('kube_daemonset_status_number_available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available'),
    misscheduled: new Family('kube_daemonset_status_number_misscheduled', 'The number of nodes running a daemon pod but are not supposed to.'),
    ready: new Family('kube_daemonset_status_number_ready', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.'),
    unavailable: new Family('kube_daemonset_status_number_unavailable', 'The number of nodes that should be running the daemon pod and have none of the daemon pod running and available'),
    updated: new Family('kube_daemonset_status_updated_number_scheduled', 'The total number of nodes that are running updated daemon pod'),
    generation: new Family('kube_daemonset_metadata_generation', 'Sequence number representing a specific generation of the desired state.'),
    observed: new Family('kube_daemonset_status_observed_generation', 'The most recent generation observed by the daemon set controller.'),
  };
  for (const d of daemonsets) {
    const base = { namespace: d.metadata?.namespace ?? '', daemonset: d.metadata?.name ?? '' };
    const st = d.status;
    f.created.add(base, unixSeconds(d.metadata?.creationTimestamp));
    f.current.add(base, st?.currentNumberScheduled ?? 0);
    f.desired.add(base, st?.desiredNumberScheduled ?? 0);
    f.available.add(base, st?.numberAvailable ?? 0);
    f.misscheduled.add(base, st?.numberMisscheduled ?? 0);
    f.ready.add(base, st?.numberReady ?? 0);
    f.unavailable.add(base, st?.numberUnavailable ?? 0);
    f.updated.add(base, st?.updatedNumberScheduled ?? 0);
    f.generation.add(base, d.metadata?.generation ?? 0);
    f.observed.add(base, st?.observedGeneration ?? 0);
  }
  return Object.values(f);
}

function jobFamilies(jobs: readonly V1Job[]): Family[] {
  const f = {
    owner: new Family('kube_job_owner', "Information about the Job's owner."),
    created: new Family('kube_job_created', 'Unix creation timestamp'),
    active: new Family('kube_job_status_active', 'The number of actively running pods.'),
    succeeded: new Family('kube_job_status_succeeded', 'The number of pods which reached Phase Succeeded.'),
    failed: new Family('kube_job_status_failed', 'The number of pods which reached Phase Failed and the reason for failure.'),
  };
  for (const j of jobs) {
    const base = { namespace: j.metadata?.namespace ?? '', job_name: j.metadata?.name ?? '' };
    ownerSeries(f.owner, base, j.metadata);
    f.created.add(base, unixSeconds(j.metadata?.creationTimestamp));
    f.active.add(base, j.status?.active ?? 0);
    f.succeeded.add(base, j.status?.succeeded ?? 0);
    f.failed.add(base, j.status?.failed ?? 0);
  }
  return Object.values(f);
}

function resourcequotaFamilies(quotas: readonly V1ResourceQuota[]): Family[] {
  const quota = new Family('kube_resourcequota', 'Information about resource quota.');
  const created = new Family('kube_resourcequota_created', 'Unix creation timestamp');
  for (const q of quotas) {
    const base = { namespace: q.metadata?.namespace ?? '', resourcequota: q.metadata?.name ?? '' };
    created.add(base, unixSeconds(q.metadata?.creationTimestamp));
    for (const [type, list] of [
      ['hard', q.status?.hard],
      ['used', q.status?.used],
    ] as const) {
      for (const [resource, v] of Object.entries(list ?? {})) quota.add({ ...base, resource, type }, parseQuantity(String(v)));
    }
  }
  return [quota, created];
}

function serviceFamilies(services: readonly V1Service[]): Family[] {
  const info = new Family('kube_service_info', 'Information about service.');
  const type = new Family('kube_service_spec_type', 'Type about service.');
  const created = new Family('kube_service_created', 'Unix creation timestamp');
  const lb = new Family('kube_service_status_load_balancer_ingress', 'Service load balancer ingress status');
  for (const s of services) {
    const base = { namespace: s.metadata?.namespace ?? '', service: s.metadata?.name ?? '', uid: s.metadata?.uid ?? '' };
    info.add(
      { ...base, cluster_ip: s.spec?.clusterIP ?? '', external_name: s.spec?.externalName ?? '', load_balancer_ip: s.spec?.loadBalancerIP ?? '' },
      1,
    );
    type.add({ ...base, type: s.spec?.type ?? 'ClusterIP' }, 1);
    created.add(base, unixSeconds(s.metadata?.creationTimestamp));
    for (const ing of s.status?.loadBalancer?.ingress ?? []) lb.add({ ...base, ip: ing.ip ?? '', hostname: ing.hostname ?? '' }, 1);
  }
  return [info, type, created, lb];
}

/** The whole /metrics body. */
export function renderKsmMetrics(o: KsmObjects): string {
  const families = [
    ...podFamilies(o.pods),
    ...nodeFamilies(o.nodes),
    ...namespaceFamilies(o.namespaces),
    ...deploymentFamilies(o.deployments),
    ...replicasetFamilies(o.replicasets),
    ...statefulsetFamilies(o.statefulsets),
    ...daemonsetFamilies(o.daemonsets),
    ...jobFamilies(o.jobs),
    ...resourcequotaFamilies(o.resourcequotas),
    ...serviceFamilies(o.services),
  ];
  const out: string[] = [];
  for (const f of families) f.render(out);
  return out.join('\n') + '\n';
}
