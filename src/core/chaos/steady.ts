// The steady-state hypothesis as probes, checked before any fault (the experiment does not start when the
// system is already unhealthy), optionally every few seconds during the faults (a breach beyond the tolerance
// stops the faults at once), and after the recovery window — as Chaos Toolkit checks its steady state before
// and after the method, and Litmus and Chaos Mesh probe continuously.
//   http       a URL answers with an expected status (default: below 500) within a latency bound
//   endpoints  a Service has at least N ready endpoints (EndpointSlices)
//   replicas   a Deployment has at least N ready replicas
//   promql     a PromQL query's value is within bounds (the caller supplies the query function)
import { AppsV1Api, DiscoveryV1Api, type KubeConfig } from '@kubernetes/client-node';
import { apiClient } from '../kube/client';
import { get as httpGetPlain } from 'node:http';
import { get as httpsGet } from 'node:https';
import { clusterProblem } from '../kube/errors';

export type Probe =
  | { kind: 'http'; url: string; expectStatus?: number[]; maxLatencyMs?: number; timeoutMs?: number }
  | { kind: 'endpoints'; service: string; minReady: number }
  | { kind: 'replicas'; deployment: string; minReady: number }
  | { kind: 'promql'; query: string; max?: number; min?: number };

export interface SteadyState {
  probes: Probe[];
  /** Probe every this many seconds while faults run; 0 or absent: before and after only. */
  duringIntervalSeconds?: number;
  /** Consecutive failed rounds tolerated during the faults before they are stopped (default 0). */
  tolerance?: number;
}

export interface ProbeResult {
  probe: string;
  ok: boolean;
  /** What was seen ("HTTP 200 in 12 ms", "2 ready endpoints"). */
  observed: string;
  time: number;
}

export interface ProbeContext {
  kc: KubeConfig;
  namespace: string;
  signal?: AbortSignal;
  /** Evaluates a PromQL query to one number (undefined: no sample). Without it promql probes fail, saying so. */
  promql?: (query: string) => Promise<number | undefined>;
}

export function describeProbe(p: Probe): string {
  switch (p.kind) {
    case 'http':
      return `GET ${p.url} answers ${p.expectStatus ? p.expectStatus.join('/') : 'below 500'}${p.maxLatencyMs !== undefined ? ` within ${p.maxLatencyMs} ms` : ''}`;
    case 'endpoints':
      return `Service ${p.service} has ≥ ${p.minReady} ready endpoint${p.minReady === 1 ? '' : 's'}`;
    case 'replicas':
      return `Deployment ${p.deployment} has ≥ ${p.minReady} ready replica${p.minReady === 1 ? '' : 's'}`;
    case 'promql':
      return `${p.query} ${p.min !== undefined ? `≥ ${p.min}` : ''}${p.min !== undefined && p.max !== undefined ? ' and ' : ''}${p.max !== undefined ? `≤ ${p.max}` : ''}`.trim();
  }
}

/** The probes an experiment gets when it names none: its load target answers, and every target has a ready pod. */
export function defaultSteadyState(o: { targets: string[]; loadUrl?: string }): SteadyState {
  return {
    probes: [
      ...(o.loadUrl ? [{ kind: 'http' as const, url: o.loadUrl, timeoutMs: 5000 }] : []),
      ...o.targets.map((deployment) => ({ kind: 'replicas' as const, deployment, minReady: 1 })),
    ],
  };
}

async function probeOnce(p: Probe, c: ProbeContext): Promise<Omit<ProbeResult, 'probe' | 'time'>> {
  switch (p.kind) {
    case 'http': {
      const timeoutMs = p.timeoutMs ?? 5000;
      const r = await httpGet(p.url, timeoutMs, c.signal);
      if ('error' in r) return { ok: false, observed: r.error };
      const statusOk = p.expectStatus ? p.expectStatus.includes(r.status) : r.status < 500;
      const fast = p.maxLatencyMs === undefined || r.ms <= p.maxLatencyMs;
      return { ok: statusOk && fast, observed: `HTTP ${r.status} in ${r.ms} ms` };
    }
    case 'endpoints': {
      const list = await apiClient(c.kc, DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: c.namespace, labelSelector: `kubernetes.io/service-name=${p.service}` });
      const ready = list.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false && e.conditions?.terminating !== true).length;
      return { ok: ready >= p.minReady, observed: `${ready} ready endpoint${ready === 1 ? '' : 's'}${list.items.length ? '' : ' (no EndpointSlice: is the Service there?)'}` };
    }
    case 'replicas': {
      try {
        const d = await apiClient(c.kc, AppsV1Api).readNamespacedDeployment({ name: p.deployment, namespace: c.namespace });
        const ready = d.status?.readyReplicas ?? 0;
        return { ok: ready >= p.minReady, observed: `${ready}/${d.spec?.replicas ?? 1} ready` };
      } catch (err) {
        if ((err as { code?: number }).code === 404) return { ok: false, observed: 'the Deployment does not exist' };
        throw err;
      }
    }
    case 'promql': {
      if (!c.promql) return { ok: false, observed: 'no Prometheus to ask' };
      const v = await c.promql(p.query);
      if (v === undefined || Number.isNaN(v)) return { ok: false, observed: 'no sample' };
      const ok = (p.min === undefined || v >= p.min) && (p.max === undefined || v <= p.max);
      return { ok, observed: `${Math.round(v * 1000) / 1000}` };
    }
  }
}

/** Runs every probe once, in parallel; a probe that throws fails with the error as what was observed. */
export async function runProbes(probes: readonly Probe[], c: ProbeContext): Promise<ProbeResult[]> {
  return Promise.all(
    probes.map(async (p) => {
      const time = Date.now();
      try {
        return { probe: describeProbe(p), time, ...(await probeOnce(p, c)) };
      } catch (err) {
        const problem = clusterProblem(err, c.kc);
        return { probe: describeProbe(p), time, ok: false, observed: `probe failed: ${problem?.message ?? (err as Error)?.message ?? String(err)}` };
      }
    }),
  );
}

export const resultLine = (r: ProbeResult) => `${r.ok ? 'holds' : 'FAILS'}: ${r.probe} — ${r.observed}`;

/**
 * One GET on its own connection (node:http, not fetch: fetch refuses the "bad ports" of the Fetch standard,
 * and a probe must reach whatever port the user's service listens on). The body is read and dropped.
 */
function httpGet(url: string, timeoutMs: number, signal?: AbortSignal): Promise<{ status: number; ms: number } | { error: string }> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      resolve({ error: `not a URL: ${url}` });
      return;
    }
    const started = performance.now();
    const get = u.protocol === 'https:' ? httpsGet : httpGetPlain;
    let done = false;
    const finish = (r: { status: number; ms: number } | { error: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const req = get(u, { agent: false, headers: { 'user-agent': 'sock-shop-lab-probe' } }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => finish({ status: res.statusCode ?? 0, ms: Math.round(performance.now() - started) }));
      res.on('error', (err) => finish({ error: `no answer: ${(err as NodeJS.ErrnoException).code ?? err.message}` }));
    });
    const timer = setTimeout(() => {
      finish({ error: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    const onAbort = () => {
      finish({ error: 'cancelled' });
      req.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err: NodeJS.ErrnoException) => finish({ error: `no answer: ${err.code ?? err.message}` }));
  });
}
