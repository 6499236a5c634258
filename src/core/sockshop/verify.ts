// "Sock Shop: Verify": a checklist — every Deployment available, every Service with ready
// endpoints (EndpointSlices), and the front-end answering 200 on `/`. Each item says why.
import { AppsV1Api, CoreV1Api, DiscoveryV1Api, KubeConfig } from '@kubernetes/client-node';
import { describeNetworkError } from '../errors';
import { apiClient } from '../kube/client';
import { clusterProblem } from '../kube/errors';
import { explainNotAvailable, deploymentProgress } from '../kube/rollout';

export interface CheckItem {
  /** e.g. "deployment carts", "service carts", "front-end answers on /". */
  title: string;
  passed: boolean;
  /** What was seen: "1/1 available", "2 ready endpoints", "HTTP 200 in 12 ms", or why it failed. */
  detail: string;
}

export interface VerifyOptions {
  namespace: string;
  /** Deployments that must exist (default: whatever is in the namespace). */
  expectedDeployments?: string[];
  /**
   * URL of the front-end to GET (load balancer or a port-forward). Undefined: the check fails
   * with `frontEndMissingReason`.
   */
  frontEndUrl?: string;
  frontEndMissingReason?: string;
  fetchTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface VerifyResult {
  items: CheckItem[];
  passed: boolean;
}

export async function verifySockShop(kc: KubeConfig, options: VerifyOptions): Promise<VerifyResult> {
  const { namespace } = options;
  const apps = apiClient(kc, AppsV1Api);
  const core = apiClient(kc, CoreV1Api);
  const discovery = apiClient(kc, DiscoveryV1Api);
  let deployments, services, slices;
  try {
    [deployments, services, slices] = await Promise.all([
      apps.listNamespacedDeployment({ namespace }),
      core.listNamespacedService({ namespace }),
      discovery.listNamespacedEndpointSlice({ namespace }),
    ]);
  } catch (err) {
    throw clusterProblem(err, kc) ?? err;
  }
  const items: CheckItem[] = [];

  // Deployments
  const byName = new Map(deployments.items.map((d) => [d.metadata?.name ?? '', d]));
  const names = options.expectedDeployments ?? [...byName.keys()].sort();
  if (names.length === 0) items.push({ title: 'deployments', passed: false, detail: `no Deployments in namespace ${namespace}` });
  const notAvailable = names.map((n) => byName.get(n)).filter((d) => d && !deploymentProgress(d).done);
  const reasons = notAvailable.length ? await explainNotAvailable(kc, namespace, notAvailable as NonNullable<(typeof notAvailable)[number]>[]) : new Map<string, string[]>();
  for (const name of names) {
    const d = byName.get(name);
    if (!d) {
      items.push({ title: `deployment ${name}`, passed: false, detail: 'not found' });
      continue;
    }
    const p = deploymentProgress(d);
    const why = reasons.get(name)?.[0];
    items.push({
      title: `deployment ${name}`,
      passed: p.done,
      detail: `${p.available}/${p.desired} available` + (p.done ? '' : `, ${p.ready} ready, ${p.updated} up to date${why ? ` — ${why}` : ''}`),
    });
  }

  // Services → EndpointSlices
  for (const svc of [...services.items].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))) {
    const name = svc.metadata?.name ?? '';
    if (!svc.spec?.selector || svc.spec.type === 'ExternalName') continue; // endpoints managed by hand
    const mine = slices.items.filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === name);
    const endpoints = mine.flatMap((s) => s.endpoints ?? []);
    const ready = endpoints.filter((e) => e.conditions?.ready !== false).length;
    items.push({
      title: `service ${name}`,
      passed: ready > 0,
      detail:
        ready > 0
          ? `${ready} ready endpoint${ready === 1 ? '' : 's'}`
          : mine.length === 0
            ? 'no EndpointSlice yet (no pod matches its selector?)'
            : `${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'}, none ready`,
    });
  }

  // Front-end HTTP
  items.push(await checkFrontEnd(options));
  return { items, passed: items.every((i) => i.passed) };
}

export async function checkFrontEnd(options: Pick<VerifyOptions, 'frontEndUrl' | 'frontEndMissingReason' | 'fetchTimeoutMs' | 'signal'>): Promise<CheckItem> {
  const title = 'front-end answers 200 on /';
  if (!options.frontEndUrl) return { title, passed: false, detail: options.frontEndMissingReason ?? 'no front-end URL (no load balancer address and no port-forward)' };
  const url = new URL('/', options.frontEndUrl).toString();
  const started = Date.now();
  try {
    const signals = [AbortSignal.timeout(options.fetchTimeoutMs ?? 10_000), ...(options.signal ? [options.signal] : [])];
    const res = await fetch(url, { signal: AbortSignal.any(signals), redirect: 'manual' });
    await res.arrayBuffer();
    const ms = Date.now() - started;
    return { title, passed: res.status === 200, detail: `GET ${url} → HTTP ${res.status} in ${ms} ms` };
  } catch (err) {
    const e = err as Error;
    const why =
      describeNetworkError(err, url) ??
      (e.name === 'TimeoutError' ? `GET ${url} timed out after ${options.fetchTimeoutMs ?? 10_000} ms` : `GET ${url} failed: ${e.message}`);
    return { title, passed: false, detail: why };
  }
}

export function formatChecklist(result: VerifyResult): string {
  const lines = result.items.map((i) => `${i.passed ? '✔' : '✘'} ${i.title}: ${i.detail}`);
  const failed = result.items.filter((i) => !i.passed).length;
  lines.push(failed ? `${failed} of ${result.items.length} checks failed.` : `All ${result.items.length} checks passed.`);
  return lines.join('\n');
}
