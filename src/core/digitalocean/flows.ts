// The DigitalOcean flows behind the commands: create a DOKS cluster (validated first, optional
// Monitoring Stack 1-click, wait until running, save the kubeconfig), connect, refresh credentials,
// install monitoring, destroy with associated resources. No VS Code here: progress goes to a
// callback, cancellation comes from an AbortSignal, and stopping to wait never stops the cluster.
import { sleep } from '../async';
import { CancelledError, UserError } from '../errors';
import { belongsToCluster, type AssociatedResources, type DoClient, type DoCluster, type DoLoadBalancer } from './client';
import { DoApiError, isUnauthorized } from './http';
import {
  hasContext,
  mergeKubeconfig,
  readKubeconfigFile,
  removeContextFromFile,
  replaceCredentials,
  updateKubeconfigFile,
  writeKubeconfigFile,
} from './kubeconfig';
import type { ClusterTracker } from './tracker';
import { doContextName, validateClusterRequest, type ClusterRequest, type KubeOptions } from './validate';

export type Progress = (message: string) => void;

export interface PollOptions {
  /** First wait between polls (ms). */
  initialDelayMs: number;
  /** Growth factor per poll. */
  factor: number;
  maxDelayMs: number;
  /** Give up waiting after this long (the cluster keeps going). */
  timeoutMs: number;
  /** Consecutive failed polls tolerated before giving up (each poll already retries). */
  maxConsecutiveErrors: number;
}

export const DEFAULT_POLL: PollOptions = {
  initialDelayMs: 3_000,
  factor: 1.5,
  maxDelayMs: 20_000,
  timeoutMs: 30 * 60_000,
  maxConsecutiveErrors: 4,
};


/** The cluster states during which something is changing (the tree polls while any cluster is in one). */
export const CHANGING_STATES = new Set(['provisioning', 'upgrading', 'deleting', 'degraded']);

export type StatusCategory = 'provisioning' | 'running' | 'degraded' | 'errored' | 'deleting' | 'unknown';

export function statusCategory(state: string | undefined): StatusCategory {
  switch (state) {
    case 'running':
      return 'running';
    case 'provisioning':
    case 'upgrading':
      return 'provisioning';
    case 'degraded':
      return 'degraded';
    case 'error':
    case 'errored':
      return 'errored';
    case 'deleting':
    case 'deleted':
      return 'deleting';
    default:
      return 'unknown';
  }
}

export interface KubeconfigTarget {
  /** File to merge into, or the separate file to write. */
  path: string;
  /** 'merge' keeps the file's other entries; 'separate' writes a file holding only this cluster. */
  mode: 'merge' | 'separate';
  /** Token lifetime; DigitalOcean's default (0/absent) is 7 days. */
  expirySeconds?: number;
}

export interface SavedKubeconfig {
  path: string;
  context: string;
  expiresAt?: string;
}

export interface CreateOptions {
  signal?: AbortSignal;
  progress?: Progress;
  tracker?: ClusterTracker;
  poll?: Partial<PollOptions>;
  /** Where to save the kubeconfig once the cluster runs; absent: not saved. */
  kubeconfig?: KubeconfigTarget;
  /** Options already fetched (the wizard has them); fetched again otherwise. */
  options?: KubeOptions;
  /** Called as soon as DigitalOcean has accepted the cluster. */
  onCreated?: (cluster: DoCluster) => void;
}

export interface CreateResult {
  cluster: DoCluster;
  /** True when the cluster was found already created after a create request whose answer was lost. */
  recoveredAfterLostAnswer: boolean;
  monitoring: { outcome: 'skipped' } | { outcome: 'requested'; message: string } | { outcome: 'failed'; error: string };
  kubeconfig?: SavedKubeconfig;
}

/** Validates the request against DigitalOcean's options and that the name is free; throws UserError. */
export async function checkCreateRequest(client: DoClient, req: ClusterRequest, options?: KubeOptions, signal?: AbortSignal): Promise<KubeOptions> {
  const opts = options ?? (await client.options(signal));
  validateClusterRequest(req, opts);
  const existing = await client.findClusterByName(req.name, signal);
  if (existing) {
    throw new UserError(
      `A cluster named "${req.name}" already exists in ${existing.region} (${existing.status?.state ?? 'unknown state'}). Choose another name, or connect to that cluster.`,
      'NameTaken',
    );
  }
  return opts;
}

/**
 * Sends the create request once. If its answer is lost (dropped connection, timeout, 5xx) the request
 * may or may not have been carried out, so we look the cluster up by name before deciding; only if it
 * is certainly not there is the request sent again (bounded).
 */
export async function createClusterSafely(
  client: DoClient,
  req: ClusterRequest,
  signal?: AbortSignal,
  progress: Progress = () => {},
): Promise<{ cluster: DoCluster; recovered: boolean }> {
  const maxSends = 3;
  let lastError: unknown;
  for (let send = 1; send <= maxSends; send++) {
    try {
      return { cluster: await client.createClusterOnce(req, signal), recovered: false };
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      const uncertain = err instanceof DoApiError && (err.reason === 'OutcomeUnknown' || err.reason === 'ServerError');
      if (!uncertain) throw err;
      lastError = err;
      client.log.warn(`create cluster "${req.name}": answer lost (${(err as Error).message}); looking it up by name`);
      progress(`The create request's answer was lost; checking whether "${req.name}" was created…`);
      // The lookup itself is a GET and is retried by the client's policy; a second look after a pause
      // covers an API that takes a moment to list a cluster it has just accepted.
      for (let look = 0; look < 2; look++) {
        const found = await client.findClusterByName(req.name, signal);
        if (found) return { cluster: found, recovered: true };
        await sleep(1_000 * (look + 1), signal);
      }
    }
  }
  const msg = lastError instanceof Error ? lastError.message : String(lastError);
  throw new UserError(
    `Could not create cluster "${req.name}": ${maxSends} create requests got no answer and no cluster of that name exists. Last error: ${msg}`,
    'CreateFailed',
  );
}

/**
 * Polls the cluster with backoff until it is running. Cancel stops the waiting only (CancelledError
 * saying so). A cluster in error, or gone, fails with a specific message.
 */
export async function waitUntilRunning(
  client: DoClient,
  cluster: DoCluster,
  opts: { signal?: AbortSignal; progress?: Progress; poll?: Partial<PollOptions> } = {},
): Promise<DoCluster> {
  const poll = { ...DEFAULT_POLL, ...opts.poll };
  const progress = opts.progress ?? (() => {});
  const started = Date.now();
  let delay = poll.initialDelayMs;
  let errors = 0;
  const stillThere = `The cluster "${cluster.name}" (${cluster.id}) keeps being created on DigitalOcean and stays listed in the DigitalOcean view.`;
  for (;;) {
    if (opts.signal?.aborted) throw new CancelledError(`Stopped waiting. ${stillThere}`);
    let current: DoCluster | undefined;
    try {
      current = await client.getCluster(cluster.id, opts.signal);
      errors = 0;
    } catch (err) {
      if (err instanceof CancelledError) throw new CancelledError(`Stopped waiting. ${stillThere}`);
      if (isUnauthorized(err)) throw err;
      errors++;
      client.log.warn(`waiting for cluster "${cluster.name}": poll failed (${errors}/${poll.maxConsecutiveErrors}): ${(err as Error).message}`);
      if (errors >= poll.maxConsecutiveErrors) {
        throw new UserError(`Lost contact with DigitalOcean while waiting for the cluster to start: ${(err as Error).message} ${stillThere}`, 'PollFailed');
      }
    }
    if (current) {
      const state = current.status?.state;
      const cat = statusCategory(state);
      if (cat === 'running') return current;
      if (cat === 'errored') {
        throw new UserError(
          `DigitalOcean reports cluster "${cluster.name}" in error${current.status?.message ? `: ${current.status.message}` : ''}. Destroy it from the DigitalOcean view, or look at it in the control panel.`,
          'ClusterErrored',
        );
      }
      if (cat === 'deleting') throw new UserError(`Cluster "${cluster.name}" is being deleted; it will not start.`, 'ClusterDeleted');
      const secs = Math.round((Date.now() - started) / 1000);
      progress(`Cluster "${cluster.name}" is ${state ?? 'starting'}${current.status?.message && current.status.message !== state ? ` (${current.status.message})` : ''} — ${secs} s`);
    } else if (errors === 0) {
      throw new UserError(`Cluster "${cluster.name}" (${cluster.id}) no longer exists on DigitalOcean.`, 'ClusterGone');
    }
    if (Date.now() - started + delay > poll.timeoutMs) {
      throw new UserError(
        `Cluster "${cluster.name}" is still not running after ${Math.round(poll.timeoutMs / 60_000)} min; stopped waiting. ${stillThere}`,
        'PollTimeout',
      );
    }
    try {
      await sleep(delay, opts.signal);
    } catch {
      throw new CancelledError(`Stopped waiting. ${stillThere}`);
    }
    delay = Math.min(poll.maxDelayMs, delay * poll.factor);
  }
}

/** Fetches the cluster's kubeconfig and saves it (merged or separate); records where in the tracker. */
export async function saveKubeconfig(
  client: DoClient,
  cluster: DoCluster,
  target: KubeconfigTarget,
  opts: { signal?: AbortSignal; tracker?: ClusterTracker } = {},
): Promise<SavedKubeconfig> {
  const context = doContextName(cluster.region, cluster.name);
  const yaml = await client.kubeconfig(cluster.id, target.expirySeconds, opts.signal);
  const expiresAt = await credentialsExpiry(client, cluster.id, target.expirySeconds, opts.signal);
  if (target.mode === 'separate') {
    writeKubeconfigFile(target.path, mergeKubeconfig(undefined, yaml, context));
  } else {
    updateKubeconfigFile(target.path, (before) => mergeKubeconfig(before, yaml, context));
  }
  await opts.tracker?.upsert({ id: cluster.id, name: cluster.name, region: cluster.region, kubeconfigPath: target.path, context, credentialsExpireAt: expiresAt });
  return { path: target.path, context, expiresAt };
}

async function credentialsExpiry(client: DoClient, id: string, expirySeconds: number | undefined, signal?: AbortSignal): Promise<string | undefined> {
  try {
    return (await client.credentials(id, expirySeconds, signal)).expires_at;
  } catch (err) {
    if (err instanceof CancelledError || isUnauthorized(err)) throw err;
    client.log.warn(`could not read the credentials' expiry of cluster ${id}: ${(err as Error).message}`);
    return expirySeconds ? new Date(Date.now() + expirySeconds * 1000).toISOString() : undefined;
  }
}

/** Requests the Monitoring Stack 1-click; a failure is reported, not thrown (the cluster is fine). */
export async function installMonitoring(client: DoClient, cluster: DoCluster, signal?: AbortSignal): Promise<CreateResult['monitoring']> {
  try {
    const message = await client.installOneClicks(cluster.id, ['monitoring'], signal);
    return { outcome: 'requested', message };
  } catch (err) {
    if (err instanceof CancelledError || isUnauthorized(err)) throw err;
    return { outcome: 'failed', error: (err as Error).message };
  }
}

/** The whole create flow. Throws before creating anything if the request is invalid. */
export async function createCluster(client: DoClient, req: ClusterRequest, opts: CreateOptions = {}): Promise<CreateResult> {
  const progress = opts.progress ?? (() => {});
  progress('Checking name, region, version and size…');
  await checkCreateRequest(client, req, opts.options, opts.signal);
  progress(`Creating cluster "${req.name}" in ${req.region}…`);
  const { cluster: created, recovered } = await createClusterSafely(client, req, opts.signal, progress);
  await opts.tracker?.upsert({ id: created.id, name: created.name, region: created.region, createdAt: Date.now() });
  opts.onCreated?.(created);
  client.log.info(`cluster "${created.name}" (${created.id}) created in ${created.region}${recovered ? ' (found by name after a lost answer)' : ''}`);
  const running = await waitUntilRunning(client, created, { signal: opts.signal, progress, poll: opts.poll });
  client.log.info(`cluster "${running.name}" is running`);
  let monitoring: CreateResult['monitoring'] = { outcome: 'skipped' };
  if (req.monitoring) {
    progress('Installing the Monitoring Stack 1-click…');
    monitoring = await installMonitoring(client, running, opts.signal);
    if (monitoring.outcome === 'failed') client.log.warn(`Monitoring Stack install failed: ${monitoring.error}`);
  }
  let kubeconfig: SavedKubeconfig | undefined;
  if (opts.kubeconfig) {
    progress('Saving the kubeconfig…');
    kubeconfig = await saveKubeconfig(client, running, opts.kubeconfig, { signal: opts.signal, tracker: opts.tracker });
  }
  return { cluster: running, recoveredAfterLostAnswer: recovered, monitoring, kubeconfig };
}

/** Refresh credentials: a fresh kubeconfig whose user credentials replace the context's in place. */
export async function refreshCredentials(
  client: DoClient,
  cluster: DoCluster,
  target: { path: string; context?: string; expirySeconds?: number },
  opts: { signal?: AbortSignal; tracker?: ClusterTracker } = {},
): Promise<SavedKubeconfig> {
  const context = target.context ?? doContextName(cluster.region, cluster.name);
  const before = readKubeconfigFile(target.path);
  if (!hasContext(before, context)) {
    throw new UserError(`${target.path} has no context "${context}"; use Connect to save the cluster's kubeconfig first.`, 'NoContext');
  }
  const yaml = await client.kubeconfig(cluster.id, target.expirySeconds, opts.signal);
  const expiresAt = await credentialsExpiry(client, cluster.id, target.expirySeconds, opts.signal);
  updateKubeconfigFile(target.path, (text) => replaceCredentials(text ?? '', context, yaml));
  await opts.tracker?.upsert({ id: cluster.id, name: cluster.name, region: cluster.region, kubeconfigPath: target.path, context, credentialsExpireAt: expiresAt });
  return { path: target.path, context, expiresAt };
}

export interface DestroyOptions {
  signal?: AbortSignal;
  progress?: Progress;
  tracker?: ClusterTracker;
  poll?: Partial<PollOptions>;
  /** Shown the resources that will go; return false to stop before anything is deleted. */
  confirm?: (cluster: DoCluster, resources: AssociatedResources, loadBalancers: DoLoadBalancer[]) => Promise<boolean> | boolean;
  /** Kubeconfig files to remove the cluster's context from (default: the one the tracker knows). */
  kubeconfigPaths?: string[];
}

export type DestroyResult =
  | { outcome: 'already-gone'; name: string; contextRemovedFrom: string[] }
  | {
      outcome: 'destroyed';
      cluster: DoCluster;
      resources: AssociatedResources;
      /** Load balancers of the cluster still present at the end (deleted one by one if the API left them). */
      remainingLoadBalancers: DoLoadBalancer[];
      contextRemovedFrom: string[];
    };

function removeContextFrom(paths: string[], context: string): string[] {
  const removed: string[] = [];
  for (const path of new Set(paths)) {
    const changed = removeContextFromFile(path, context);
    if (changed) removed.push(path);
  }
  return removed;
}

/**
 * Destroys a cluster with its load balancers, volumes and snapshots, waits until it is gone, checks no
 * load balancer of it is left, and removes its kubeconfig context. A cluster already gone is a no-op
 * (its stale context is still cleaned up).
 */
export async function destroyCluster(
  client: DoClient,
  target: { id?: string; name: string; region?: string },
  opts: DestroyOptions = {},
): Promise<DestroyResult> {
  const progress = opts.progress ?? (() => {});
  const poll = { ...DEFAULT_POLL, initialDelayMs: 2_000, ...opts.poll };
  progress(`Looking up cluster "${target.name}"…`);
  const tracked = target.id ? opts.tracker?.get(target.id) : opts.tracker?.byName(target.name);
  const cluster = target.id ? await client.getCluster(target.id, opts.signal) : await client.findClusterByName(target.name, opts.signal);
  const region = cluster?.region ?? target.region ?? tracked?.region;
  const context = tracked?.context ?? (region ? doContextName(region, target.name) : undefined);
  const paths = [...(opts.kubeconfigPaths ?? []), ...(tracked?.kubeconfigPath ? [tracked.kubeconfigPath] : [])];
  if (!cluster || cluster.status?.state === 'deleted') {
    const removedFrom = context ? removeContextFrom(paths, context) : [];
    if (tracked) await opts.tracker?.forget(tracked.id);
    return { outcome: 'already-gone', name: target.name, contextRemovedFrom: removedFrom };
  }
  const alreadyDeleting = cluster.status?.state === 'deleting';
  let resources: AssociatedResources = { load_balancers: [], volumes: [], volume_snapshots: [] };
  const tagged = await client.loadBalancersOf(cluster.id, opts.signal);
  if (alreadyDeleting) {
    // A destroy already under way (e.g. a second Destroy): wait for it and finish the clean-up.
    progress(`"${cluster.name}" is already being destroyed; waiting for it…`);
  } else {
    progress(`Listing what is billed with "${cluster.name}"…`);
    resources = (await client.associatedResources(cluster.id, opts.signal)) ?? resources;
    if (opts.confirm && !(await opts.confirm(cluster, resources, tagged))) throw new CancelledError('Destroy cancelled; nothing was deleted.');
    await opts.tracker?.upsert({ id: cluster.id, name: cluster.name, region: cluster.region, pending: 'destroying' });
    progress(`Destroying "${cluster.name}" with ${resources.load_balancers.length} load balancer(s), ${resources.volumes.length} volume(s), ${resources.volume_snapshots.length} snapshot(s)…`);
    await client.destroyWithAssociatedResources(cluster.id, opts.signal);
    client.log.info(`destroy requested for cluster "${cluster.name}" (${cluster.id})`);
  }

  // Wait until the cluster is gone.
  const started = Date.now();
  let delay = poll.initialDelayMs;
  let errors = 0;
  for (;;) {
    let current: DoCluster | undefined;
    let failed = false;
    try {
      current = await client.getCluster(cluster.id, opts.signal);
      errors = 0;
    } catch (err) {
      if (err instanceof CancelledError) {
        throw new CancelledError(`Stopped waiting; DigitalOcean keeps destroying "${cluster.name}". Run Destroy again to finish the clean-up.`);
      }
      if (isUnauthorized(err)) throw err;
      failed = true;
      if (++errors >= poll.maxConsecutiveErrors) {
        throw new UserError(`Lost contact with DigitalOcean while "${cluster.name}" was being destroyed: ${(err as Error).message} Run Destroy again to check and finish the clean-up.`, 'PollFailed');
      }
    }
    if (!failed && (!current || current.status?.state === 'deleted')) break;
    if (Date.now() - started + delay > poll.timeoutMs) {
      throw new UserError(`Cluster "${cluster.name}" is still being destroyed after ${Math.round(poll.timeoutMs / 60_000)} min; run Destroy again later to finish the clean-up.`, 'PollTimeout');
    }
    progress(`Waiting for "${cluster.name}" to be destroyed — ${Math.round((Date.now() - started) / 1000)} s`);
    try {
      await sleep(delay, opts.signal);
    } catch {
      throw new CancelledError(`Stopped waiting; DigitalOcean keeps destroying "${cluster.name}". Run Destroy again to finish the clean-up.`);
    }
    delay = Math.min(poll.maxDelayMs, delay * poll.factor);
  }

  // No load balancer of the cluster may keep billing: check, delete leftovers, check again.
  progress('Checking that no load balancer is left…');
  const expectedGone = new Set([...resources.load_balancers.map((l) => l.id), ...tagged.map((l) => l.id)]);
  const leftovers = (all: DoLoadBalancer[]) => all.filter((lb) => expectedGone.has(lb.id) || belongsToCluster(lb, cluster.id));
  let remaining = leftovers(await client.listLoadBalancers(opts.signal));
  for (const lb of remaining) {
    client.log.warn(`load balancer ${lb.name} (${lb.id}) of "${cluster.name}" survived the destroy; deleting it`);
    await client.deleteLoadBalancer(lb.id, opts.signal);
  }
  if (remaining.length) remaining = leftovers(await client.listLoadBalancers(opts.signal));

  const removedFrom = context ? removeContextFrom(paths, context) : [];
  await opts.tracker?.forget(cluster.id);
  return { outcome: 'destroyed', cluster, resources, remainingLoadBalancers: remaining, contextRemovedFrom: removedFrom };
}
