// "Sock Shop: Deploy": the namespace, then server-side apply of every other object at once (as
// `kubectl apply -f` of the one file does: the services retry their databases until they answer, so
// no ordering is needed beyond the namespace), then the rollout until every Deployment is available,
// followed by one watch over the same connections. Re-running changes nothing and says so.
// Also: deploying a user's own manifest text, the `kubectl get all`-like summary and the front-end URL.
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Service } from '@kubernetes/client-node';
import { CancelledError, isCancellation, UserError } from '../errors';
import { parseManifest, YamlSyntaxError, type YamlProblem } from '../yaml/parse';
import { Applier, describeObject, FIELD_MANAGER, groupForApply, outcomeLine, type ApplyObject, type ApplyOutcome } from '../kube/apply';
export { outcomeLine };
import { sleep as delay } from '../async';
import { apiClient, is404 } from '../kube/client';
import { clusterProblem } from '../kube/errors';
import { portForwardService, type PortForwardHandle } from '../kube/portforward';
import { serviceAddress, serviceAddressOf, type ServiceAddress } from '../kube/services';
import { age, table } from '../kube/format';
import {
  buildSockShop,
  FRONT_END,
  FRONT_END_CONTAINER_PORT,
  namespaceObject,
  type KubeObject,
  type SockShopOptions,
} from './manifests';
import { formatProgress, waitForRollout, type DeploymentProgress } from '../kube/rollout';
import { assertNamespaceAllowed, type ManifestPlanItem } from '../kube/guard';

/**
 * What the deploy is doing, each with the progress text to show (`message`). `total` is the number of
 * objects the deploy applies (the namespace included), from the one list it built.
 */
export type DeployEvent =
  | { type: 'phase'; message: string }
  /** `message` is "applied n/N: Kind ns/name"; `logLine` is the outcome as the log shows it. */
  | { type: 'applied'; outcome: ApplyOutcome; applied: number; total: number; message: string; logLine: string }
  | { type: 'rollout'; deployments: DeploymentProgress[]; message: string }
  /** Nothing moved for a while: what the rollout waits for (first line is the most telling); `logLine` lists every reason. */
  | { type: 'stalled'; reasons: string[]; stalledMs: number; message: string; logLine: string };

export interface DeployOptions extends SockShopOptions {
  signal?: AbortSignal;
  onEvent?: (e: DeployEvent) => void;
  /** Wait for every Deployment to be available (default true). */
  waitForRollout?: boolean;
  rolloutTimeoutMs?: number;
  /** Wait this long for a namespace that is still being deleted (default 120 s). */
  terminatingTimeoutMs?: number;
}

export interface DeployResult {
  namespace: string;
  /** Objects applied, the namespace included (the `total` of the 'applied' events). */
  objectCount: number;
  outcomes: ApplyOutcome[];
  /** False when every object was already as applied: "no changes". */
  changed: boolean;
  /** ms from start until every object was applied. */
  appliedMs: number;
  /** ms from start until every Deployment was available (when waited for). */
  availableMs?: number;
  deployments?: DeploymentProgress[];
  /** The log's line for the whole deploy: what changed and how long it took. */
  logLine: string;
  /** What the notification says when the deploy is done (no front-end address). */
  headline: string;
}

export function countOutcomes(outcomes: ApplyOutcome[]): Record<ApplyOutcome['status'], number> {
  const c = { created: 0, configured: 0, unchanged: 0, failed: 0, skipped: 0 };
  for (const o of outcomes) c[o.status]++;
  return c;
}

export function describeOutcomes(outcomes: ApplyOutcome[]): string {
  const c = countOutcomes(outcomes);
  if (c.failed === 0 && c.skipped === 0 && c.created === 0 && c.configured === 0) return `no changes (${c.unchanged} objects unchanged)`;
  const parts = (['created', 'configured', 'unchanged', 'failed', 'skipped'] as const).filter((k) => c[k] > 0).map((k) => `${c[k]} ${k}`);
  return parts.join(', ');
}

/** The objects of one deploy, built once: the apply groups, their count, and the Deployments to wait for. */
export interface DeployPlan {
  groups: ApplyObject[][];
  /** Every object applied, the namespace included. */
  total: number;
  deployments: string[];
}

export function planSockShop(options: SockShopOptions): DeployPlan {
  const objects = buildSockShop(options);
  const groups: ApplyObject[][] = [[namespaceObject(options.namespace)], objects as ApplyObject[]];
  return {
    groups,
    total: groups.reduce((n, g) => n + g.length, 0),
    deployments: objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name),
  };
}

/** Turns what the apply and the rollout report into the events' texts, counting against the plan's total. */
export function deployEvents(plan: Pick<DeployPlan, 'total'>) {
  let applied = 0;
  return {
    applied(outcome: ApplyOutcome): DeployEvent {
      applied++;
      return { type: 'applied', outcome, applied, total: plan.total, message: `applied ${applied}/${plan.total}: ${describeObject(outcome)}`, logLine: `  ${outcomeLine(outcome)}` };
    },
    rollout(deployments: DeploymentProgress[]): DeployEvent {
      return { type: 'rollout', deployments, message: formatProgress(deployments) };
    },
    stalled(reasons: string[], stalledMs: number): DeployEvent {
      const secs = Math.round(stalledMs / 1000);
      return {
        type: 'stalled',
        reasons,
        stalledMs,
        message: `still waiting (${secs} s without change): ${reasons[0]}`,
        logLine: `Deploy: nothing moved for ${secs} s:\n  ${reasons.join('\n  ')}`,
      };
    },
  };
}

/** The result's log line and headline (a deploy that did not wait for its rollout claims nothing about it). */
export function deployResultText(r: Pick<DeployResult, 'namespace' | 'outcomes' | 'changed' | 'appliedMs' | 'availableMs' | 'deployments'>): { logLine: string; headline: string } {
  const n = r.deployments?.length ?? 0;
  const applied = `Deploy: ${describeOutcomes(r.outcomes)}; applied in ${r.appliedMs} ms`;
  if (r.availableMs === undefined) {
    return { logLine: `${applied}, rollout not waited for`, headline: `Sock Shop is applied to ${r.namespace}; its rollout was not waited for.` };
  }
  return {
    logLine: `${applied}, all available after ${r.availableMs} ms`,
    headline: r.changed
      ? `Sock Shop is deployed to ${r.namespace}: all ${n} deployments are available.`
      : `Sock Shop in ${r.namespace}: no changes; all ${n} deployments are available.`,
  };
}

export async function deploySockShop(kc: KubeConfig, options: DeployOptions): Promise<DeployResult> {
  const started = Date.now();
  const { namespace, signal } = options;
  const emit = (e: DeployEvent) => options.onEvent?.(e);
  const plan = planSockShop(options);
  const events = deployEvents(plan);

  emit({ type: 'phase', message: `Preparing namespace ${namespace}` });
  // A namespace still being deleted accepts nothing: checked alongside discovery, before any write.
  const terminating = waitWhileTerminating(kc, namespace, options.terminatingTimeoutMs ?? 120_000, signal);
  terminating.catch(() => undefined); // awaited through the gate; keep an early rejection from going unhandled

  const applier = new Applier(kc);
  const outcomes = await applier.apply(plan.groups, {
    force: true,
    fieldManager: FIELD_MANAGER,
    signal,
    stopOnGroupFailure: true,
    gate: terminating,
    onOutcome: (outcome) => emit(events.applied(outcome)),
  });
  const appliedMs = Date.now() - started;
  const failures = outcomes.filter((o) => o.status === 'failed');
  if (failures.length) {
    throw new ApplyFailedError(failures, outcomes);
  }
  const result = { namespace, objectCount: plan.total, outcomes, changed: outcomes.some((o) => o.status !== 'unchanged'), appliedMs };
  if (options.waitForRollout === false) return { ...result, ...deployResultText(result) };

  const names = plan.deployments;
  emit({ type: 'phase', message: `Waiting for ${names.length} deployments` });
  const deployments = await waitForRollout(kc, namespace, names, {
    timeoutMs: options.rolloutTimeoutMs,
    signal,
    onProgress: (deployments) => emit(events.rollout(deployments)),
    onStall: (reasons, stalledMs) => emit(events.stalled(reasons, stalledMs)),
    pool: { configuration: applier.configuration, agent: applier.agent },
  });
  const done = { ...result, deployments, availableMs: Date.now() - started };
  return { ...done, ...deployResultText(done) };
}

/** Some objects were rejected: names each with the server's message; `outcomes` has the rest. */
export class ApplyFailedError extends UserError {
  constructor(
    readonly failures: ApplyOutcome[],
    readonly outcomes: ApplyOutcome[],
  ) {
    const first = failures[0];
    const applied = outcomes.filter((o) => o.status === 'created' || o.status === 'configured' || o.status === 'unchanged').length;
    super(
      `${describeObject(first)} was rejected: ${first.message}` +
        (failures.length > 1 ? ` (and ${failures.length - 1} more rejected)` : '') +
        `. ${applied} of ${outcomes.length} objects applied.`,
      'Rejected',
      outcomes.map(outcomeLine).join('\n'),
    );
    this.name = 'ApplyFailedError';
  }
}


/** A namespace being deleted accepts no new objects: wait until it is gone. True when it waited. */
async function waitWhileTerminating(kc: KubeConfig, namespace: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const core = apiClient(kc, CoreV1Api);
  const deadline = Date.now() + timeoutMs;
  let waited = false;
  for (;;) {
    try {
      const ns = await core.readNamespace({ name: namespace });
      if (ns.status?.phase !== 'Terminating' && !ns.metadata?.deletionTimestamp) return waited;
    } catch (err) {
      if (is404(err)) return waited;
      if (isCancellation(err) || signal?.aborted) throw new CancelledError();
      throw clusterProblem(err, kc) ?? err;
    }
    if (Date.now() > deadline) {
      throw new UserError(`Namespace ${namespace} is still being deleted after ${Math.round(timeoutMs / 1000)} s; deploy again once it is gone.`, 'Terminating');
    }
    waited = true;
    await delay(500, signal);
  }
}

// ---------------------------------------------------------------------------------------------
// A user's own manifest

export interface ManifestDeployResult {
  outcomes: ApplyOutcome[];
  problems: YamlProblem[];
}

/**
 * Applies a manifest the user wrote. Malformed YAML throws YamlSyntaxError (with lines) and applies
 * nothing. Objects the server rejects are outcomes with status 'failed' and the server's message;
 * the others are applied.
 */
export async function deployManifestText(
  kc: KubeConfig,
  text: string,
  options: {
    defaultNamespace?: string;
    force?: boolean;
    dryRun?: boolean;
    signal?: AbortSignal;
    onOutcome?: (o: ApplyOutcome) => void;
    source?: string;
    /** The sockShop.allowKubeSystem setting: without it, a manifest with objects in kube-system is refused. */
    allowKubeSystem?: boolean;
    /** Called with where every object would go, before anything is applied; rejecting stops the apply. */
    confirm?: (items: ManifestPlanItem[]) => Promise<void>;
  } = {},
): Promise<ManifestDeployResult> {
  const parsed = parseManifest(text);
  const errors = parsed.problems.filter((p) => p.severity === 'error');
  if (errors.length) throw new YamlSyntaxError(parsed.problems, options.source);
  if (parsed.objects.length === 0) throw new UserError(`${options.source ?? 'The manifest'} holds no Kubernetes objects.`, 'Empty');
  const seen = new Map<string, number>();
  for (const { object, line } of parsed.objects) {
    const k = `${object.apiVersion}|${object.kind}|${object.metadata.namespace ?? ''}|${object.metadata.name}`;
    if (seen.has(k)) {
      throw new YamlSyntaxError(
        [{ message: `${describeObject(object)} is defined twice (first at line ${seen.get(k)})`, line, column: 1, endLine: line, endColumn: 1, severity: 'error', code: 'Duplicate' }],
        options.source,
      );
    }
    seen.set(k, line);
  }
  const lineOf = new Map(parsed.objects.map((o) => [o.object, o.line]));
  const groups = groupForApply(parsed.objects.map((o) => o.object as ApplyObject));
  const applier = new Applier(kc);
  if (options.confirm || !options.allowKubeSystem) {
    const items = await applier.plan(groups.flat(), { defaultNamespace: options.defaultNamespace, signal: options.signal });
    for (const i of items) assertNamespaceAllowed(i.namespace, `Deploy Current Manifest (${i.kind} ${i.name})`, options);
    await options.confirm?.(items);
  }
  const outcomes = await applier.apply(groups, {
    force: options.force ?? false,
    dryRun: options.dryRun,
    defaultNamespace: options.defaultNamespace,
    signal: options.signal,
    onOutcome: options.onOutcome,
  });
  // Tag outcomes with their source lines (outcomes come back in group order).
  const flat = groups.flat();
  outcomes.forEach((o, i) => (o.line = lineOf.get(flat[i])));
  return { outcomes, problems: parsed.problems };
}

// ---------------------------------------------------------------------------------------------
// Summary and front-end URL

/** A `kubectl get all -n NS`-like text: pods, services, deployments, replica sets. */
export async function summarize(kc: KubeConfig, namespace: string, now = Date.now()): Promise<string> {
  const core = apiClient(kc, CoreV1Api);
  const apps = apiClient(kc, AppsV1Api);
  let pods, services, deployments, replicaSets;
  try {
    [pods, services, deployments, replicaSets] = await Promise.all([
      core.listNamespacedPod({ namespace }),
      core.listNamespacedService({ namespace }),
      apps.listNamespacedDeployment({ namespace }),
      apps.listNamespacedReplicaSet({ namespace }),
    ]);
  } catch (err) {
    throw clusterProblem(err, kc) ?? err;
  }
  const byName = <T extends { metadata?: { name?: string } }>(a: T[]) => [...a].sort((x, y) => (x.metadata?.name ?? '').localeCompare(y.metadata?.name ?? ''));
  const sections: string[] = [];
  if (pods.items.length) {
    sections.push(
      table(
        ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
        byName(pods.items).map((p) => {
          const cs = p.status?.containerStatuses ?? [];
          const ready = cs.filter((c) => c.ready).length;
          const restarts = cs.reduce((n, c) => n + (c.restartCount ?? 0), 0);
          const waiting = cs.find((c) => c.state?.waiting?.reason)?.state?.waiting?.reason;
          const status = p.metadata?.deletionTimestamp ? 'Terminating' : waiting ?? p.status?.phase ?? 'Unknown';
          return [`pod/${p.metadata?.name}`, `${ready}/${p.spec?.containers.length ?? cs.length}`, status, String(restarts), age(p.metadata?.creationTimestamp, now)];
        }),
      ),
    );
  }
  if (services.items.length) {
    sections.push(
      table(
        ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
        byName(services.items).map((s) => [
          `service/${s.metadata?.name}`,
          s.spec?.type ?? 'ClusterIP',
          s.spec?.clusterIP ?? '<none>',
          externalIp(s),
          (s.spec?.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(','),
          age(s.metadata?.creationTimestamp, now),
        ]),
      ),
    );
  }
  if (deployments.items.length) {
    sections.push(
      table(
        ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
        byName(deployments.items).map((d) => [
          `deployment.apps/${d.metadata?.name}`,
          `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`,
          String(d.status?.updatedReplicas ?? 0),
          String(d.status?.availableReplicas ?? 0),
          age(d.metadata?.creationTimestamp, now),
        ]),
      ),
    );
  }
  if (replicaSets.items.length) {
    sections.push(
      table(
        ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'],
        byName(replicaSets.items).map((r) => [
          `replicaset.apps/${r.metadata?.name}`,
          String(r.spec?.replicas ?? 0),
          String(r.status?.replicas ?? 0),
          String(r.status?.readyReplicas ?? 0),
          age(r.metadata?.creationTimestamp, now),
        ]),
      ),
    );
  }
  return sections.length ? sections.join('\n\n') : `No resources found in ${namespace} namespace.`;
}

function externalIp(s: V1Service): string {
  const ingress = s.status?.loadBalancer?.ingress ?? [];
  if (ingress.length) return ingress.map((i) => i.ip ?? i.hostname).join(',');
  if (s.spec?.type === 'LoadBalancer') return '<pending>';
  return s.spec?.externalIPs?.join(',') || '<none>';
}

export type FrontEndAddress = ServiceAddress;

/** The front-end's URL from its LoadBalancer ingress, or a note that a port-forward is needed. */
export async function frontEndAddress(kc: KubeConfig, namespace: string): Promise<FrontEndAddress> {
  return serviceAddress(kc, namespace, FRONT_END, 'deploy Sock Shop first');
}

export function frontEndAddressOf(svc: V1Service): FrontEndAddress {
  return serviceAddressOf(svc);
}

export type { PortForwardHandle };

/**
 * Forwards a local loopback port to the front-end Service's ready pods (port 8079), like
 * `kubectl port-forward svc/front-end`; a killed pod is replaced by the next ready one.
 */
export function portForwardFrontEnd(kc: KubeConfig, namespace: string, localPort = 0): Promise<PortForwardHandle> {
  return portForwardService(kc, namespace, FRONT_END, { targetPort: FRONT_END_CONTAINER_PORT, localPort, missing: 'deploy Sock Shop first' });
}

export type { KubeObject };
