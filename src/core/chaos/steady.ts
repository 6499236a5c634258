// The steady-state hypothesis as probes, checked before any fault (the experiment does not start when the
// system is already unhealthy), optionally every few seconds during the faults (a breach beyond the tolerance
// stops the faults at once), and after the recovery window — as Chaos Toolkit checks its steady state before
// and after the method, and Litmus and Chaos Mesh probe continuously.
//   http       a URL answers with an expected status (default: below 500) within a latency bound
//   endpoints  a Service has at least N ready endpoints (EndpointSlices)
//   replicas   a Deployment has at least N ready replicas
//   promql     a PromQL query's value is within bounds (the caller supplies the query function)
import { AppsV1Api, DiscoveryV1Api, type KubeConfig } from '@kubernetes/client-node';
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
      const started = performance.now();
      const timeout = AbortSignal.timeout(p.timeoutMs ?? 5000);
      const signal = c.signal ? AbortSignal.any([c.signal, timeout]) : timeout;
      try {
        const res = await fetch(p.url, { signal, redirect: 'manual' });
        await res.arrayBuffer().catch(() => undefined);
        const ms = Math.round(performance.now() - started);
        const statusOk = p.expectStatus ? p.expectStatus.includes(res.status) : res.status < 500;
        const fast = p.maxLatencyMs === undefined || ms <= p.maxLatencyMs;
        return { ok: statusOk && fast, observed: `HTTP ${res.status} in ${ms} ms` };
      } catch (err) {
        const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
        if (e.name === 'TimeoutError') return { ok: false, observed: `no answer within ${p.timeoutMs ?? 5000} ms` };
        return { ok: false, observed: `no answer: ${e.cause?.code ?? e.cause?.message ?? e.message ?? String(err)}` };
      }
    }
    case 'endpoints': {
      const list = await c.kc.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: c.namespace, labelSelector: `kubernetes.io/service-name=${p.service}` });
      const ready = list.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false && e.conditions?.terminating !== true).length;
      return { ok: ready >= p.minReady, observed: `${ready} ready endpoint${ready === 1 ? '' : 's'}${list.items.length ? '' : ' (no EndpointSlice: is the Service there?)'}` };
    }
    case 'replicas': {
      try {
        const d = await c.kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: p.deployment, namespace: c.namespace });
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
