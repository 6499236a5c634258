// Chaos experiment: load on the front-end while pods of opted-in Deployments are killed on a schedule (the way
// kube-monkey picks them: fixed N, fixed %, random up to %, all), readiness and load sampled every second, and a
// steady-state hypothesis checked at the end — failure % ≤ X, p95 ≤ Y ms, every target back to its desired ready
// replicas within T s of each kill. The verdict comes with its evidence (which check failed, when, the numbers)
// and a timeline with the kills as markers against the RPS / latency / failure series.
//
// Guards: never kube-system (hard), a namespace allowlist, a bound on pods per kill, a bound on duration, a dry
// run that only plans, and an abort (AbortSignal) that stops load and kills at once and leaves nothing running.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { apiClient } from '../kube/client';
import { CancelledError, httpStatus, UserError } from '../errors';
import { startLoad as defaultStartLoad, type LoadRun, type StartOptions } from '../load/engine';
import { describeModel, redactTarget } from '../load/report';
import type { LiveStats, LoadReport, LoadSpec } from '../load/types';
import { clusterProblem } from '../kube/errors';
import type { Prediction } from './file';
import { defaultSteadyState, resultLine, runProbes, type ProbeResult, type SteadyState } from './steady';
import { describeFault, evictPods, killContainer, nodeToDrain, scaleTo, setCordon, type EvictionOutcome, type Fault } from './faults';
import type { PredictionScore } from './history';
import { ENABLED_VALUE, isKillMode, killValueProblem, LABEL, readLabels, type KillMode, type KubeMonkeyLabels } from './kubemonkey';

export interface KillSpec {
  mode: KillMode;
  /** Pods (fixed) or percent (fixed-percent, random-max-percent); unused for kill-all. */
  value?: number;
}

export interface Hypothesis {
  /** Failed requests over the whole run, in percent, at most this. */
  maxFailPercent: number;
  /** p95 latency over the whole run, in ms, at most this. */
  maxP95Ms: number;
  /** Every target back to its desired ready replicas within this many seconds of each kill. */
  recoverySeconds: number;
}

export interface ExperimentSpec {
  namespace: string;
  /** Deployment names (opted in by kube-monkey labels, or picked explicitly). */
  targets: string[];
  kill: KillSpec;
  intervalSeconds: number;
  durationSeconds: number;
  /** The load profile; its duration bound is set to the experiment's. Without it only readiness is checked. */
  load?: LoadSpec;
  hypothesis: Hypothesis;
  /** Plan only: which pods each kill would take now. Sends no load, kills nothing. */
  dryRun?: boolean;
  /** Grace period for pod deletes (undefined: each pod's own). */
  gracePeriodSeconds?: number;
  /**
   * The steady state, probed before any fault, optionally during, and after the recovery window. Absent:
   * the load target answers (below 500) and every target has a ready replica, before and after.
   */
  steadyState?: SteadyState;
  /** What each kill does (default: pod delete, kube-monkey's way). */
  fault?: Fault;
}

export interface Guards {
  namespaceAllowlist: string[];
  maxPodsPerKill: number;
  maxDurationSeconds: number;
}

/** Namespaces no experiment may touch, whatever the allowlist says. */
export const FORBIDDEN_NAMESPACES = new Set(['kube-system']);

/** Checks the spec against the guards; throws a UserError naming the problem. */
export function checkExperiment(spec: ExperimentSpec, guards: Guards): void {
  const bad = (m: string) => new UserError(m, 'ChaosRefused');
  if (FORBIDDEN_NAMESPACES.has(spec.namespace)) throw bad(`Chaos experiments never touch ${spec.namespace}.`);
  if (!guards.namespaceAllowlist.includes(spec.namespace)) {
    throw bad(`Namespace "${spec.namespace}" is not in sockShop.chaos.namespaceAllowlist (${guards.namespaceAllowlist.join(', ') || 'empty'}).`);
  }
  if (!spec.targets.length) throw bad('Pick at least one target Deployment.');
  if (!isKillMode(spec.kill.mode)) throw bad(`Unknown kill mode "${String(spec.kill.mode)}".`);
  const kv = killValueProblem(spec.kill.mode, spec.kill.value === undefined ? undefined : String(spec.kill.value));
  if (kv) throw bad(kv.replace('kube-monkey/kill-value', 'The kill value'));
  if (!(spec.intervalSeconds > 0)) throw bad(`The kill interval must be greater than 0 s (got ${spec.intervalSeconds}).`);
  if (!(spec.durationSeconds > 0)) throw bad(`The duration must be greater than 0 s (got ${spec.durationSeconds}).`);
  if (spec.durationSeconds > guards.maxDurationSeconds) {
    throw bad(`The duration (${spec.durationSeconds} s) is over sockShop.load.maxDurationSeconds (${guards.maxDurationSeconds} s).`);
  }
  if (spec.intervalSeconds >= spec.durationSeconds) throw bad(`The interval (${spec.intervalSeconds} s) must be shorter than the duration (${spec.durationSeconds} s): no kill would happen.`);
  if (!(guards.maxPodsPerKill >= 1)) throw bad('sockShop.chaos.maxPodsPerKill must be at least 1.');
  const h = spec.hypothesis;
  if (!(h.maxFailPercent >= 0 && h.maxFailPercent <= 100)) throw bad(`The failure bound must be a percentage (got ${h.maxFailPercent}).`);
  if (!(h.maxP95Ms > 0)) throw bad(`The p95 bound must be greater than 0 ms (got ${h.maxP95Ms}).`);
  if (!(h.recoverySeconds > 0)) throw bad(`The recovery bound must be greater than 0 s (got ${h.recoverySeconds}).`);
  const f = spec.fault;
  if (f?.kind === 'scaleDown') {
    if (!(Number.isInteger(f.to) && f.to >= 0)) throw bad(`Scale down needs a whole number of replicas, 0 or more (got ${f.to}).`);
    if (!(f.holdSeconds > 0 && f.holdSeconds < spec.intervalSeconds)) throw bad(`Scale down holds for more than 0 s and less than the kill interval (${spec.intervalSeconds} s); got ${f.holdSeconds} s.`);
  }
}

/** How many of n pods one kill takes, as kube-monkey decides it (before the maxPodsPerKill cap). */
export function podsToKill(kill: KillSpec, n: number, random: () => number = Math.random): number {
  const v = kill.value ?? 0;
  switch (kill.mode) {
    case 'kill-all':
      return n;
    case 'fixed':
      return Math.min(n, Math.max(0, Math.floor(v)));
    case 'fixed-percent':
      return Math.min(n, Math.floor((n * v) / 100));
    case 'random-max-percent':
      return Math.floor(random() * (maxPodsToKill(kill, n) + 1));
  }
}

/** The most pods one kill can take of n (random-max-percent: its largest draw), before the maxPodsPerKill cap. */
export function maxPodsToKill(kill: KillSpec, n: number): number {
  return kill.mode === 'random-max-percent' ? Math.min(n, Math.floor((n * (kill.value ?? 0)) / 100)) : podsToKill(kill, n);
}

/** Seconds after the start at which kills happen: interval, 2×interval, ... before the end. */
export function killTimes(intervalSeconds: number, durationSeconds: number): number[] {
  const out: number[] = [];
  for (let t = intervalSeconds; t < durationSeconds - 1e-9; t += intervalSeconds) out.push(Math.round(t * 1000) / 1000);
  return out;
}

/** Picks count items at random (Fisher–Yates on a copy). */
export function pickRandom<T>(items: T[], count: number, random: () => number = Math.random): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, Math.max(0, count));
}

// ---------------------------------------------------------------------------------------------------------
// Cluster side

export function isOptedIn(d: V1Deployment): boolean {
  return d.metadata?.labels?.[LABEL.enabled] === ENABLED_VALUE;
}

export interface Candidate {
  name: string;
  optedIn: boolean;
  replicas: number;
  /** The kube-monkey labels it carries (undefined when not opted in). */
  labels?: Partial<KubeMonkeyLabels>;
}

/** The Deployments of namespace with whether kube-monkey's labels opt them in. */
export async function listCandidates(kc: KubeConfig, namespace: string): Promise<Candidate[]> {
  if (FORBIDDEN_NAMESPACES.has(namespace)) throw new UserError(`Chaos experiments never touch ${namespace}.`, 'ChaosRefused');
  const apps = apiClient(kc, AppsV1Api);
  let list;
  try {
    list = await apps.listNamespacedDeployment({ namespace });
  } catch (err) {
    throw clusterProblem(err, kc) ?? err;
  }
  return list.items.map((d) => ({ name: d.metadata?.name ?? '', optedIn: isOptedIn(d), replicas: d.spec?.replicas ?? 1, labels: readLabels(d) }));
}

export function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function isLive(p: V1Pod): boolean {
  return !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

function isReady(p: V1Pod): boolean {
  return isLive(p) && !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
}

interface TargetState {
  name: string;
  selector: Record<string, string>;
  desired: number;
}

/** Reads the targets; fails if one is missing or has no matchLabels selector. */
export async function readTargets(kc: KubeConfig, namespace: string, names: string[]): Promise<TargetState[]> {
  const apps = apiClient(kc, AppsV1Api);
  const out: TargetState[] = [];
  for (const name of names) {
    let d: V1Deployment;
    try {
      d = await apps.readNamespacedDeployment({ name, namespace });
    } catch (err) {
      if (httpStatus(err) === 404) throw new UserError(`Deployment ${namespace}/${name} does not exist.`, 'NotFound');
      throw clusterProblem(err, kc) ?? err;
    }
    const selector = d.spec?.selector?.matchLabels ?? {};
    if (!Object.keys(selector).length) throw new UserError(`Deployment ${namespace}/${name} selects its pods with matchExpressions only; pick another target.`, 'ChaosRefused');
    out.push({ name, selector, desired: d.spec?.replicas ?? 1 });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Results

export interface ReadyState {
  ready: number;
  desired: number;
  /** Live (not terminating) pods. */
  pods: number;
}

export interface Sample {
  /** Epoch ms and seconds since the start. */
  time: number;
  t: number;
  rps?: number;
  failPercent?: number;
  p50Ms?: number;
  p95Ms?: number;
  p99Ms?: number;
  ready: Record<string, ReadyState>;
}

export interface KillEvent {
  time: number;
  t: number;
  deployment: string;
  /** Pods kube-monkey's rule asked for, pods deleted, and whether maxPodsPerKill cut it down. */
  requested: number;
  pods: string[];
  capped: boolean;
  errors: string[];
  /** Each victim as it was just before the delete: container states, its last events and log lines. */
  lastWords?: LastWords[];
  /** Node drain: the node cordoned and each eviction's outcome (a PodDisruptionBudget may refuse one). */
  node?: string;
  evictions?: EvictionOutcome[];
  /** Scale down: replicas before and during the hold. */
  scaled?: { from: number; to: number };
  /** Container kill: the container killed in each pod (the pods stay). */
  container?: string;
}

export interface LastWords {
  pod: string;
  /** "front-end: running, ready, 0 restarts". */
  containers: string[];
  events: string[];
  logs: string[];
  /** What could not be read (e.g. logs of a pod with no container runtime behind it). */
  missing: string[];
}

/** How long capturing a victim's last words may delay its kill. */
const LAST_WORDS_MS = 400;

async function lastWords(core: CoreV1Api, ns: string, p: V1Pod): Promise<LastWords> {
  const name = p.metadata?.name ?? '';
  const containers = (p.status?.containerStatuses ?? []).map((c) => {
    const st = c.state?.running ? 'running' : c.state?.waiting ? `waiting (${c.state.waiting.reason ?? ''})` : c.state?.terminated ? `terminated (${c.state.terminated.reason ?? c.state.terminated.exitCode})` : 'unknown';
    return `${c.name}: ${st}, ${c.ready ? 'ready' : 'not ready'}, ${c.restartCount} restart${c.restartCount === 1 ? '' : 's'}`;
  });
  const out: LastWords = { pod: name, containers, events: [], logs: [], missing: [] };
  const timeout = <T>(pr: Promise<T>) => Promise.race([pr, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no answer within ${LAST_WORDS_MS} ms`)), LAST_WORDS_MS).unref?.())]);
  const container = p.spec?.containers?.[0]?.name;
  await Promise.all([
    timeout(core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` }))
      .then((l) => {
        out.events = l.items
          .map((e) => ({ t: Date.parse(String(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? '')) || 0, line: `${e.type ?? 'Normal'} ${e.reason ?? ''}: ${(e.message ?? '').trim()}` }))
          .sort((a, b) => a.t - b.t)
          .slice(-5)
          .map((e) => e.line);
      })
      .catch((err) => out.missing.push(`events: ${(err as Error)?.message ?? err}`)),
    container
      ? timeout(core.readNamespacedPodLog({ name, namespace: ns, container, tailLines: 5 }))
          .then((text) => (out.logs = String(text ?? '').split('\n').filter((l) => l.trim()).slice(-5)))
          .catch((err) => out.missing.push(`logs: ${(err as { code?: number })?.code ? `HTTP ${(err as { code?: number }).code}` : ((err as Error)?.message ?? err)}`))
      : Promise.resolve(),
  ]);
  return out;
}

export interface PlannedKill {
  t: number;
  deployment: string;
  livePods: number;
  wouldKill: number;
  capped: boolean;
  examplePods: string[];
}

export interface Check {
  name: 'failures' | 'latency' | 'recovery' | 'steady-state-before' | 'steady-state-during' | 'steady-state-after';
  ok: boolean;
  summary: string;
  evidence: string[];
}

/** NOT STARTED: the steady state did not hold before the experiment, so nothing was killed and no load sent. */
export type Verdict = 'PASS' | 'FAIL' | 'ABORTED' | 'DRY RUN' | 'NOT STARTED';

export interface ExperimentResult {
  spec: ExperimentSpec;
  guards: Guards;
  startedAt: string;
  endedAt: string;
  verdict: Verdict;
  checks: Check[];
  kills: KillEvent[];
  samples: Sample[];
  /** The load engine's one-second samples (time-stamped) and its final report. */
  loadTimeline: LiveStats[];
  load?: Omit<LoadReport, 'timeline' | 'spec'>;
  plan?: PlannedKill[];
  notes: string[];
  /** The kubeconfig context it ran against (set by the caller). */
  context?: string;
  /** The *.chaos.yaml it came from, with the git commit of its directory and whether the file had local changes. */
  source?: ExperimentSource;
  /** Learning mode: the prediction made before the run and its score. */
  prediction?: { predicted: Prediction; score?: PredictionScore };
}

export interface ExperimentSource {
  /** The file, relative to the workspace (or as given to the CLI). */
  file: string;
  name: string;
  commit?: string;
  dirty?: boolean;
}

export type ExperimentEvent =
  | { type: 'started'; targets: TargetState[] }
  | { type: 'sample'; sample: Sample; load?: LiveStats }
  /** Each of the load engine's one-second samples, as it comes. */
  | { type: 'load'; stats: LiveStats }
  | { type: 'kill'; kill: KillEvent }
  /** The steady state broke during the faults (the faults stop now). */
  | { type: 'breach'; time: number; t: number; failed: string[] }
  | { type: 'phase'; message: string };

export interface RunOptions {
  guards: Guards;
  signal?: AbortSignal;
  onEvent?: (e: ExperimentEvent) => void;
  random?: () => number;
  /** Evaluates PromQL for promql probes (the caller's Prometheus access). */
  promql?: (query: string) => Promise<number | undefined>;
  /** The load engine (tests may give worker options); defaults to src/core/load's startLoad. */
  startLoad?: (spec: LoadSpec, opts: StartOptions) => LoadRun;
  sampleIntervalMs?: number;
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** Contiguous runs of load samples whose value is over the limit. */
export function windowsOver(timeline: LiveStats[], value: (s: LiveStats) => number, limit: number): { from: number; to: number; peak: number; samples: number }[] {
  const out: { from: number; to: number; peak: number; samples: number }[] = [];
  let cur: { from: number; to: number; peak: number; samples: number } | undefined;
  for (const s of timeline) {
    const v = value(s);
    if (s.rps > 0 && v > limit) {
      // A sample covers the second before it.
      if (!cur) cur = { from: s.time - 1000, to: s.time, peak: v, samples: 0 };
      cur.to = s.time;
      cur.peak = Math.max(cur.peak, v);
      cur.samples++;
    } else if (cur) {
      out.push(cur);
      cur = undefined;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** The latest kill at or before `at` (with 1 s of slack for sample boundaries). */
function killBefore(kills: KillEvent[], at: number): KillEvent | undefined {
  return kills.filter((k) => k.pods.length && k.time <= at + 1000).sort((a, b) => b.time - a.time)[0];
}

/** Seconds from each kill until its Deployment was back at the desired ready replicas (undefined: not within the samples). */
export function recoveryTimes(kills: KillEvent[], samples: Sample[]): { kill: KillEvent; seconds?: number; lowest: number; desired: number }[] {
  return kills.map((k) => {
    const after = samples.filter((s) => s.time > k.time && s.ready[k.deployment]);
    const desired = after[0]?.ready[k.deployment].desired ?? 0;
    const lowest = after.reduce((m, s) => Math.min(m, s.ready[k.deployment].ready), Number.POSITIVE_INFINITY);
    if (!k.pods.length) return { kill: k, seconds: 0, lowest: Number.isFinite(lowest) ? lowest : desired, desired };
    const back = after.find((s) => s.ready[k.deployment].ready >= s.ready[k.deployment].desired);
    return { kill: k, seconds: back ? round((back.time - k.time) / 1000) : undefined, lowest: Number.isFinite(lowest) ? lowest : desired, desired };
  });
}

/** The steady-state checks and the verdict, from what was observed. Pure. */
export function evaluate(
  spec: ExperimentSpec,
  observed: { kills: KillEvent[]; samples: Sample[]; loadTimeline: LiveStats[]; load?: { failPercent: number; requests: number; failures: number; latencyMs: { p95: number }; failuresByCause: Record<string, number> }; startedAt: number },
): { verdict: 'PASS' | 'FAIL'; checks: Check[] } {
  const h = spec.hypothesis;
  const t = (ms: number) => `t=${round((ms - observed.startedAt) / 1000)} s`;
  const killText = (k: KillEvent) => `kill at ${t(k.time)} (${k.deployment}: ${k.pods.join(', ')})`;
  // Load samples cover one second each: a kill inside a window's first second started it as far as they can tell.
  const afterKill = (from: number, k: KillEvent) =>
    k.time >= from ? `the ${killText(k)} falls in its first second` : `${round((from - k.time) / 1000)} s after the ${killText(k)}`;
  const checks: Check[] = [];
  if (observed.load) {
    const l = observed.load;
    const windows = windowsOver(observed.loadTimeline, (s) => s.failPercent, h.maxFailPercent);
    const ok = l.failPercent <= h.maxFailPercent;
    const causes = Object.entries(l.failuresByCause).map(([c, n]) => `${c} ×${n}`).join(', ');
    checks.push({
      name: 'failures',
      ok,
      summary: `failure rate ${l.failPercent}% (${l.failures} of ${l.requests}) ${ok ? '≤' : '>'} ${h.maxFailPercent}%` + (causes ? ` — ${causes}` : ''),
      evidence: windows.map((w) => {
        const k = killBefore(observed.kills, w.from);
        return `failures over ${h.maxFailPercent}% from ${t(w.from)} to ${t(w.to)} (peak ${round(w.peak)}%)` + (k ? `, ${afterKill(w.from, k)}` : ', with no kill before it');
      }),
    });
    const slow = windowsOver(observed.loadTimeline, (s) => s.p95Ms, h.maxP95Ms);
    const lok = l.latencyMs.p95 <= h.maxP95Ms;
    checks.push({
      name: 'latency',
      ok: lok,
      summary: `p95 latency ${l.latencyMs.p95} ms ${lok ? '≤' : '>'} ${h.maxP95Ms} ms`,
      evidence: slow.map((w) => {
        const k = killBefore(observed.kills, w.from);
        return `p95 over ${h.maxP95Ms} ms from ${t(w.from)} to ${t(w.to)} (peak ${round(w.peak)} ms)` + (k ? `, ${afterKill(w.from, k)}` : '');
      }),
    });
  }
  const rec = recoveryTimes(observed.kills, observed.samples);
  const late = rec.filter((r) => r.seconds === undefined || r.seconds > h.recoverySeconds);
  checks.push({
    name: 'recovery',
    ok: late.length === 0,
    summary: late.length
      ? `${late.length} of ${rec.length} kills not recovered within ${h.recoverySeconds} s`
      : `every target back to its desired ready replicas within ${h.recoverySeconds} s of each kill` + (rec.length ? ` (slowest ${Math.max(...rec.map((r) => r.seconds ?? 0))} s)` : ' (no kills)'),
    evidence: rec.map(
      (r) =>
        `${killText(r.kill)}: ${r.seconds === undefined ? `not back to ${r.desired} ready` : `back to ${r.desired} ready after ${r.seconds} s`} (lowest ${r.lowest} ready)` +
        (r.seconds === undefined || r.seconds > h.recoverySeconds ? ' — over the bound' : ''),
    ),
  });
  return { verdict: checks.every((c) => c.ok) ? 'PASS' : 'FAIL', checks };
}

/** Runs an experiment (or plans it, with spec.dryRun). Rejects with CancelledError only before anything started. */
export async function runExperiment(kc: KubeConfig, spec: ExperimentSpec, opts: RunOptions): Promise<ExperimentResult> {
  checkExperiment(spec, opts.guards);
  const random = opts.random ?? Math.random;
  const emit = (e: ExperimentEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      // A listener's failure must not end the experiment.
    }
  };
  const core = apiClient(kc, CoreV1Api);
  const apps = apiClient(kc, AppsV1Api);
  const ns = spec.namespace;
  const targets = await readTargets(kc, ns, spec.targets);
  if (opts.signal?.aborted) throw new CancelledError();
  const startedAt = Date.now();
  const notes: string[] = [];

  const listPods = async (): Promise<V1Pod[]> => (await core.listNamespacedPod({ namespace: ns })).items;

  // The steady state before any fault: an experiment on a system that is already unhealthy proves nothing.
  const steady = spec.steadyState ?? defaultSteadyState({ targets: spec.targets, loadUrl: spec.load?.target.url });
  const probeCtx = { kc, namespace: ns, signal: opts.signal, promql: opts.promql };
  const checksFromProbes = (name: Check['name'], when: string, results: ProbeResult[]): Check => {
    const failed = results.filter((r) => !r.ok);
    return {
      name,
      ok: failed.length === 0,
      summary: failed.length ? `the steady state did not hold ${when}: ${failed.map((r) => `${r.probe} — ${r.observed}`).join('; ')}` : `the steady state held ${when} (${results.length} probe${results.length === 1 ? '' : 's'})`,
      evidence: results.map(resultLine),
    };
  };
  let before: Check | undefined;
  if (steady.probes.length) {
    emit({ type: 'phase', message: 'checking the steady state before any fault' });
    before = checksFromProbes('steady-state-before', 'before the experiment', await runProbes(steady.probes, probeCtx));
    if (opts.signal?.aborted) throw new CancelledError();
    if (!before.ok && !spec.dryRun) {
      const at = new Date().toISOString();
      return {
        spec,
        guards: opts.guards,
        startedAt: new Date(startedAt).toISOString(),
        endedAt: at,
        verdict: 'NOT STARTED',
        checks: [before],
        kills: [],
        samples: [],
        loadTimeline: [],
        notes: ['The experiment did not start: nothing was killed and no load was sent. Fix what the probes show, then run it again.'],
      };
    }
  }

  if (spec.dryRun) {
    const pods = await listPods();
    const plan: PlannedKill[] = [];
    for (const t of killTimes(spec.intervalSeconds, spec.durationSeconds)) {
      let budget = opts.guards.maxPodsPerKill;
      for (const target of targets) {
        const live = pods.filter((p) => isLive(p) && matches(target.selector, p.metadata?.labels));
        const want = podsToKill(spec.kill, live.length, random);
        const n = Math.min(want, budget);
        budget -= n;
        plan.push({ t, deployment: target.name, livePods: live.length, wouldKill: n, capped: n < want, examplePods: pickRandom(live, n, random).map((p) => p.metadata?.name ?? '') });
      }
    }
    notes.push('Dry run: no load was sent and no pod was deleted. The pods named are an example draw from the pods running now.');
    if (before && !before.ok) notes.push(`A real run would not start now: ${before.summary}.`);
    const now = new Date().toISOString();
    return { spec, guards: opts.guards, startedAt: new Date(startedAt).toISOString(), endedAt: now, verdict: 'DRY RUN', checks: before ? [before] : [], kills: [], samples: [], loadTimeline: [], plan, notes };
  }

  emit({ type: 'started', targets });
  const samples: Sample[] = [];
  const kills: KillEvent[] = [];
  const loadTimeline: LiveStats[] = [];
  let lastLoad: LiveStats | undefined;
  let run: LoadRun | undefined;
  if (spec.load) {
    const loadSpec: LoadSpec = { ...spec.load, maxDurationSeconds: spec.durationSeconds };
    run = (opts.startLoad ?? defaultStartLoad)(loadSpec, {
      onStats: (s) => {
        lastLoad = s;
        if (s.state !== 'stopped') loadTimeline.push(s);
        emit({ type: 'load', stats: s });
      },
    });
  }

  let aborted = false;
  let finished = false;
  const inflight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p)).catch(() => undefined);
    return p;
  };

  // Readiness (and the load numbers of the moment) every second.
  let sampling = false;
  const sample = async (): Promise<void> => {
    if (sampling || finished) return;
    sampling = true;
    try {
      const [pods, deps] = await Promise.all([listPods(), apps.listNamespacedDeployment({ namespace: ns })]);
      const desiredOf = new Map(deps.items.map((d) => [d.metadata?.name ?? '', d.spec?.replicas ?? 1]));
      const time = Date.now();
      const ready: Record<string, ReadyState> = {};
      for (const target of targets) {
        const mine = pods.filter((p) => matches(target.selector, p.metadata?.labels));
        ready[target.name] = { ready: mine.filter(isReady).length, desired: desiredOf.get(target.name) ?? target.desired, pods: mine.filter(isLive).length };
      }
      const fresh = lastLoad && time - lastLoad.time < 2000 ? lastLoad : undefined;
      const s: Sample = {
        time,
        t: round((time - startedAt) / 1000),
        ...(fresh ? { rps: fresh.rps, failPercent: fresh.failPercent, p50Ms: fresh.p50Ms, p95Ms: fresh.p95Ms, p99Ms: fresh.p99Ms } : {}),
        ready,
      };
      if (!finished) {
        samples.push(s);
        emit({ type: 'sample', sample: s, load: fresh });
      }
    } catch (err) {
      const msg = `readiness sample failed: ${(err as Error)?.message ?? err}`;
      if (!notes.includes(msg)) notes.push(msg);
    } finally {
      sampling = false;
    }
  };

  // Faults other than a pod delete leave state to undo: cordoned nodes, scaled-down Deployments.
  const cordoned = new Set<string>();
  const scaledBack = new Map<string, { from: number; timer?: NodeJS.Timeout }>();
  const restoreScale = async (name: string) => {
    const s = scaledBack.get(name);
    if (!s) return;
    scaledBack.delete(name);
    clearTimeout(s.timer);
    try {
      await scaleTo(kc, ns, name, s.from);
    } catch (err) {
      notes.push(`Could not scale ${name} back to ${s.from}: ${(err as Error)?.message ?? err}`);
    }
  };
  const undoFaults = async () => {
    await Promise.all([...scaledBack.keys()].map(restoreScale));
    for (const node of cordoned) {
      try {
        await setCordon(kc, node, false);
        notes.push(`Node ${node} was cordoned for the drain and is schedulable again.`);
      } catch (err) {
        notes.push(`Could not uncordon node ${node}: ${(err as Error)?.message ?? err} — run kubectl uncordon ${node}.`);
      }
    }
    cordoned.clear();
  };

  const drain = async (pods: V1Pod[]): Promise<void> => {
    const mine = pods.filter((p) => isLive(p) && targets.some((t) => matches(t.selector, p.metadata?.labels)));
    const node = nodeToDrain(mine, spec.fault?.kind === 'nodeDrain' ? spec.fault.node : undefined);
    let budget = opts.guards.maxPodsPerKill;
    if (node && !cordoned.has(node)) {
      await setCordon(kc, node, true);
      cordoned.add(node);
    }
    for (const target of targets) {
      if (aborted) return;
      const onNode = mine.filter((p) => matches(target.selector, p.metadata?.labels) && p.spec?.nodeName === node);
      const n = Math.min(onNode.length, budget);
      budget -= n;
      const victims = onNode.slice(0, n);
      const words = victims.length ? await Promise.all(victims.map((p) => lastWords(core, ns, p))) : undefined;
      const time = Date.now();
      const outcomes = await evictPods(kc, ns, victims.map((p) => p.metadata?.name ?? ''), spec.gracePeriodSeconds);
      const event: KillEvent = {
        time,
        t: round((time - startedAt) / 1000),
        deployment: target.name,
        requested: onNode.length,
        pods: outcomes.filter((o) => o.evicted).map((o) => o.pod),
        capped: n < onNode.length,
        errors: outcomes.filter((o) => !o.evicted && o.status !== 404).map((o) => `eviction of ${o.pod} refused${o.status ? ` (HTTP ${o.status})` : ''}: ${o.message}`),
        node,
        evictions: outcomes,
        ...(words ? { lastWords: words } : {}),
      };
      if (!node) event.errors.push('no node runs a pod of the targets');
      kills.push(event);
      emit({ type: 'kill', kill: event });
    }
  };

  const scaleDown = async (to: number, holdSeconds: number): Promise<void> => {
    for (const target of targets) {
      if (aborted) return;
      if (scaledBack.has(target.name)) continue;
      const time = Date.now();
      const event: KillEvent = { time, t: round((time - startedAt) / 1000), deployment: target.name, requested: 0, pods: [], capped: false, errors: [] };
      try {
        const from = await scaleTo(kc, ns, target.name, to);
        event.scaled = { from, to };
        event.requested = Math.max(0, from - to);
        // A scale-down is a kill of the pods it removes, for recovery: name it so the checks count it.
        event.pods = from > to ? [`(${from - to} pod${from - to === 1 ? '' : 's'} by scale-down)`] : [];
        const entry: { from: number; timer?: NodeJS.Timeout } = { from };
        scaledBack.set(target.name, entry);
        entry.timer = setTimeout(() => void track(restoreScale(target.name)), holdSeconds * 1000);
      } catch (err) {
        event.errors.push(`scale ${target.name}: ${(err as Error)?.message ?? err}`);
      }
      kills.push(event);
      emit({ type: 'kill', kill: event });
    }
  };

  const kill = async (): Promise<void> => {
    if (aborted || finished) return;
    if (spec.fault?.kind === 'scaleDown') return scaleDown(spec.fault.to, spec.fault.holdSeconds);
    const pods = await listPods();
    if (spec.fault?.kind === 'nodeDrain') return drain(pods);
    let budget = opts.guards.maxPodsPerKill;
    for (const target of targets) {
      if (aborted) return;
      const live = pods.filter((p) => isLive(p) && matches(target.selector, p.metadata?.labels));
      const requested = podsToKill(spec.kill, live.length, random);
      const n = Math.min(requested, budget);
      budget -= n;
      const victims = pickRandom(live, n, random);
      // Their last words first (bounded by LAST_WORDS_MS), then the kill, timed when the deletes go out.
      const words = victims.length ? await Promise.all(victims.map((p) => lastWords(core, ns, p))) : undefined;
      const time = Date.now();
      const event: KillEvent = { time, t: round((time - startedAt) / 1000), deployment: target.name, requested, pods: [], capped: n < requested, errors: [], ...(words ? { lastWords: words } : {}) };
      const f = spec.fault;
      if (f?.kind === 'containerKill') {
        const outcomes = await Promise.all(victims.filter((p) => !FORBIDDEN_NAMESPACES.has(p.metadata?.namespace ?? ns)).map((p) => killContainer(kc, ns, p, f.container, f.signal)));
        event.pods = outcomes.filter((o) => o.killed).map((o) => o.pod);
        event.container = outcomes.find((o) => o.killed)?.container ?? f.container ?? outcomes[0]?.container;
        event.errors = outcomes.filter((o) => !o.killed).map((o) => `${o.pod}: ${o.message}`);
        kills.push(event);
        emit({ type: 'kill', kill: event });
        continue;
      }
      await Promise.all(
        victims.map(async (p) => {
          const name = p.metadata?.name ?? '';
          if (FORBIDDEN_NAMESPACES.has(p.metadata?.namespace ?? ns)) return; // belt and braces
          try {
            await core.deleteNamespacedPod({ name, namespace: ns, ...(spec.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: spec.gracePeriodSeconds } : {}) });
            event.pods.push(name);
          } catch (err) {
            if (httpStatus(err) !== 404) event.errors.push(`${name}: ${(err as Error)?.message ?? err}`);
          }
        }),
      );
      kills.push(event);
      emit({ type: 'kill', kill: event });
    }
  };

  const killTimers = new Set<NodeJS.Timeout>();
  const stopKills = () => {
    for (const t of killTimers) clearTimeout(t);
    killTimers.clear();
  };
  const ticker = setInterval(() => void track(sample()), opts.sampleIntervalMs ?? 1000);
  // The steady state during the faults: a breach beyond the tolerance stops kills and load at once.
  let breach: { t: number; results: ProbeResult[] } | undefined;
  let failedRounds = 0;
  let probing = false;
  const duringTimer =
    steady.probes.length && (steady.duringIntervalSeconds ?? 0) > 0
      ? setInterval(() => {
          if (probing || breach || aborted || finished) return;
          probing = true;
          void track(
            runProbes(steady.probes, probeCtx)
              .then((results) => {
                if (breach || aborted || finished) return;
                failedRounds = results.every((r) => r.ok) ? 0 : failedRounds + 1;
                if (failedRounds > (steady.tolerance ?? 0)) {
                  const at = Date.now();
                  breach = { t: round((at - startedAt) / 1000), results };
                  emit({ type: 'breach', time: at, t: breach.t, failed: results.filter((r) => !r.ok).map((r) => `${r.probe} — ${r.observed}`) });
                  emit({ type: 'phase', message: `steady state breached at t=${breach.t} s: stopping the faults` });
                  stopKills();
                  run?.stop();
                  endRun?.();
                }
              })
              .finally(() => (probing = false)),
          );
        }, steady.duringIntervalSeconds! * 1000)
      : undefined;
  const onAbort = () => {
    aborted = true;
    stopKills();
    run?.stop();
    endRun?.();
  };
  let endRun: (() => void) | undefined;
  await new Promise<void>((resolve) => {
    endRun = resolve;
    void track(sample());
    for (const at of killTimes(spec.intervalSeconds, spec.durationSeconds)) {
      const timer = setTimeout(() => {
        killTimers.delete(timer);
        void track(kill().catch((err) => notes.push(`kill at ${at} s failed: ${(err as Error)?.message ?? err}`)));
      }, at * 1000);
      killTimers.add(timer);
    }
    const end = setTimeout(resolve, spec.durationSeconds * 1000);
    killTimers.add(end);
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  });

  // The run part is over: no more kills. The load ends itself at the duration bound (or was stopped).
  stopKills();
  emit({ type: 'phase', message: aborted ? 'aborted: stopping load' : 'load finishing' });
  const report = run ? await run.done : undefined;

  // Observe recovery after the last kill, up to the recovery bound, unless aborted.
  if (!aborted) {
    const lastKill = kills.filter((k) => k.pods.length).sort((a, b) => b.time - a.time)[0];
    if (lastKill) {
      emit({ type: 'phase', message: 'waiting for the last kill to recover' });
      const deadline = lastKill.time + spec.hypothesis.recoverySeconds * 1000 + 1000;
      while (Date.now() < deadline && !opts.signal?.aborted) {
        const latest = samples[samples.length - 1];
        if (latest && latest.time > lastKill.time && targets.every((t) => latest.ready[t.name] && latest.ready[t.name].ready >= latest.ready[t.name].desired)) break;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
  clearInterval(ticker);
  if (duringTimer) clearInterval(duringTimer);
  stopKills();
  await undoFaults();
  opts.signal?.removeEventListener('abort', onAbort);
  finished = true;
  await Promise.allSettled([...inflight]);

  const endedAt = new Date().toISOString();
  const loadSummary = report ? (({ timeline: _t, spec: _s, ...rest }) => rest)(report) : undefined;
  if (!spec.load) notes.push('No load profile: only the recovery check applies.');
  if (kills.some((k) => k.capped)) notes.push(`sockShop.chaos.maxPodsPerKill (${opts.guards.maxPodsPerKill}) cut some kills down.`);
  if (aborted) {
    const { checks } = evaluate(spec, { kills, samples, loadTimeline, load: loadSummary, startedAt });
    return { spec, guards: opts.guards, startedAt: new Date(startedAt).toISOString(), endedAt, verdict: 'ABORTED', checks, kills, samples, loadTimeline, load: loadSummary, notes: [...notes, 'Aborted: load and kills stopped; the checks cover what ran until then.'] };
  }
  const evaluated = evaluate(spec, { kills, samples, loadTimeline, load: loadSummary, startedAt });
  const checks = [...(before ? [before] : []), ...evaluated.checks];
  if (breach) {
    const failed = breach.results.filter((r) => !r.ok);
    checks.push({
      name: 'steady-state-during',
      ok: false,
      summary: `the steady state broke at t=${breach.t} s (${failedRounds} failed round${failedRounds === 1 ? '' : 's'}, tolerance ${steady.tolerance ?? 0}): ${failed.map((r) => `${r.probe} — ${r.observed}`).join('; ')}; the faults were stopped then`,
      evidence: breach.results.map(resultLine),
    });
    notes.push(`Faults stopped at t=${breach.t} s when the steady state broke; ${kills.filter((k) => k.pods.length).length} kill(s) had happened.`);
  } else if (duringTimer) {
    checks.push({ name: 'steady-state-during', ok: true, summary: `the steady state held during the faults (probed every ${steady.duringIntervalSeconds} s)`, evidence: [] });
  }
  if (steady.probes.length) {
    // After the faults the steady state must hold again within the recovery bound: probe until it does (once a
    // second) or the bound runs out, and report the last round.
    emit({ type: 'phase', message: 'checking that the steady state holds again' });
    const afterStart = Date.now();
    const afterDeadline = afterStart + spec.hypothesis.recoverySeconds * 1000;
    let results = await runProbes(steady.probes, { ...probeCtx, signal: undefined });
    while (!results.every((r) => r.ok) && Date.now() < afterDeadline && !opts.signal?.aborted) {
      await new Promise((r) => setTimeout(r, 1000));
      results = await runProbes(steady.probes, { ...probeCtx, signal: undefined });
    }
    const tookS = round((Date.now() - afterStart) / 1000);
    checks.push(checksFromProbes('steady-state-after', results.every((r) => r.ok) ? `again ${tookS} s after the faults` : `within ${spec.hypothesis.recoverySeconds} s after the faults`, results));
  }
  const verdict = evaluated.verdict === 'PASS' && checks.every((c) => c.ok) ? 'PASS' : 'FAIL';
  return { spec, guards: opts.guards, startedAt: new Date(startedAt).toISOString(), endedAt, verdict, checks, kills, samples, loadTimeline, load: loadSummary, notes };
}

// ---------------------------------------------------------------------------------------------------------
// Report

export function describeKill(k: KillSpec): string {
  switch (k.mode) {
    case 'kill-all':
      return 'kill-all (every pod)';
    case 'fixed':
      return `fixed: ${k.value} pod(s)`;
    case 'fixed-percent':
      return `fixed-percent: ${k.value}% of the pods`;
    case 'random-max-percent':
      return `random-max-percent: up to ${k.value}% of the pods`;
  }
}

/** A one-line bar for the timeline table (0..max). */
function bar(v: number | undefined, max: number, width = 12): string {
  if (v === undefined || !(max > 0)) return '';
  const n = Math.max(0, Math.min(width, Math.round((v / max) * width)));
  return '█'.repeat(n) + '░'.repeat(width - n);
}

export function experimentMarkdown(r: ExperimentResult): string {
  const s = r.spec;
  const started = Date.parse(r.startedAt);
  const lines = [
    `# Chaos experiment: ${r.verdict}`,
    '',
    '| | |',
    '|---|---|',
    `| Namespace | ${s.namespace} |`,
    `| Targets | ${s.targets.join(', ')} |`,
    `| Kill mode | ${describeKill(s.kill)}, every ${s.intervalSeconds} s for ${s.durationSeconds} s (at most ${r.guards.maxPodsPerKill} pods per kill) |`,
    ...(s.fault && s.fault.kind !== 'podDelete' ? [`| Fault | ${describeFault(s.fault)} |`] : []),
    `| Load | ${s.load ? `${describeModel(s.load.model)} → ${s.load.target.url}` : 'none'} |`,
    `| Hypothesis | failures ≤ ${s.hypothesis.maxFailPercent}% · p95 ≤ ${s.hypothesis.maxP95Ms} ms · every target back to desired ready replicas within ${s.hypothesis.recoverySeconds} s of each kill |`,
    ...(r.context ? [`| Context | ${r.context} |`] : []),
    ...(r.source ? [`| Experiment file | ${r.source.file} (${r.source.name})${r.source.commit ? ` at commit ${r.source.commit.slice(0, 12)}${r.source.dirty ? ', with local changes' : ''}` : ''} |`] : []),
    `| Started | ${r.startedAt} |`,
    `| Ended | ${r.endedAt} |`,
    '',
  ];
  if (r.prediction?.score) {
    lines.push(`## Prediction: score ${r.prediction.score.score} / 100`, '', ...r.prediction.score.items.map((i) => `- ${i.name}: ${i.note} — ${i.score} / 100`), '');
  }
  if (r.plan) {
    lines.push('## Plan (dry run)', '', '| t (s) | Deployment | live pods | would kill | capped | e.g. |', '|---|---|---|---|---|---|');
    for (const p of r.plan) lines.push(`| ${p.t} | ${p.deployment} | ${p.livePods} | ${p.wouldKill} | ${p.capped ? 'yes' : ''} | ${p.examplePods.join(', ')} |`);
    lines.push('');
  }
  if (r.checks.length) {
    lines.push('## Verdict and evidence', '');
    for (const c of r.checks) {
      lines.push(`- **${c.ok ? 'PASS' : 'FAIL'} — ${c.name}**: ${c.summary}`);
      for (const e of c.evidence) lines.push(`  - ${e}`);
    }
    lines.push('');
  }
  if (r.kills.length) {
    // A container kill leaves the pod: its column says killed, and which container.
    const containers = s.fault?.kind === 'containerKill';
    lines.push('## Kills', '', `| t (s) | at | Deployment | requested | ${containers ? 'containers killed' : 'deleted'} | pods |`, '|---|---|---|---|---|---|');
    for (const k of r.kills) lines.push(`| ${k.t} | ${new Date(k.time).toISOString()} | ${k.deployment} | ${k.requested}${k.capped ? ' (capped)' : ''} | ${k.pods.length}${containers && k.container ? ` (${k.container})` : ''} | ${k.pods.join(', ')}${k.errors.length ? ` — errors: ${k.errors.join('; ')}` : ''} |`);
    lines.push('');
  }
  if (r.samples.length) {
    const maxRps = Math.max(0, ...r.samples.map((x) => x.rps ?? 0));
    const targets = s.targets;
    lines.push(
      '## Timeline',
      '',
      '◆ marks a kill in that second. Ready is ready/desired per target.',
      '',
      `| t (s) | | req/s | | fail % | p95 ms | ${targets.map((t) => `${t} ready`).join(' | ')} |`,
      `|---|---|---|---|---|---|${targets.map(() => '---|').join('')}`,
    );
    let prev = started;
    for (const x of r.samples) {
      const ks = r.kills.filter((k) => k.time > prev && k.time <= x.time && k.pods.length);
      prev = x.time;
      const marker = ks.length ? `◆ ${ks.map((k) => `${k.deployment} −${k.pods.length}`).join(', ')}` : '';
      lines.push(
        `| ${x.t} | ${marker} | ${x.rps ?? ''} | ${bar(x.rps, maxRps)} | ${x.failPercent ?? ''} | ${x.p95Ms ?? ''} | ${targets.map((t) => (x.ready[t] ? `${x.ready[t].ready}/${x.ready[t].desired}` : '')).join(' | ')} |`,
      );
    }
    lines.push('');
  }
  const evictions = r.kills.filter((k) => k.evictions?.length);
  if (evictions.length) {
    lines.push('## Evictions (node drain)', '', '| t (s) | node | pod | outcome |', '|---|---|---|---|');
    for (const k of evictions) for (const e of k.evictions!) lines.push(`| ${k.t} | ${k.node ?? ''} | ${e.pod} | ${e.evicted ? 'evicted' : `refused${e.status ? ` (HTTP ${e.status})` : ''}: ${(e.message ?? '').replace(/\|/g, '\\|')}`} |`);
    lines.push('');
  }
  const words = r.kills.flatMap((k) => (k.lastWords ?? []).map((w) => ({ k, w })));
  if (words.length) {
    lines.push("## Victims' last words", '', 'Each pod as it was just before its delete: containers, its latest events and log lines.', '');
    for (const { k, w } of words) {
      lines.push(`### t=${k.t} s · ${w.pod}`, '');
      for (const c of w.containers) lines.push(`- ${c}`);
      for (const e of w.events) lines.push(`- event: ${e}`);
      if (w.logs.length) lines.push('', '```', ...w.logs.map((l) => l.slice(0, 300)), '```');
      for (const m of w.missing) lines.push(`- (not read: ${m})`);
      lines.push('');
    }
  }
  if (r.load) {
    const l = r.load;
    lines.push('## Load', '', `${l.requests} requests, ${l.failures} failed (${l.failPercent}%), ${l.rps} req/s; latency p50 ${l.latencyMs.p50} ms, p95 ${l.latencyMs.p95} ms, p99 ${l.latencyMs.p99} ms.`, '');
    const causes = Object.entries(l.failuresByCause);
    if (causes.length) lines.push('Failures by cause: ' + causes.map(([c, n]) => `${c} ×${n}`).join(', ') + '.', '');
  }
  if (r.notes.length) lines.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}

/** The result as reports keep it: header values, cookies and URL credentials of the load target redacted. */
export function redactedResult(r: ExperimentResult): ExperimentResult {
  return r.spec.load ? { ...r, spec: { ...r.spec, load: { ...r.spec.load, target: redactTarget(r.spec.load.target) } } } : r;
}

/** Writes <dir>/.sockshop/reports/chaos-<timestamp>.md and .json; returns both paths. Header values, cookies and URL credentials are redacted (redactTarget). */
export async function saveExperimentReport(workspaceDir: string, r: ExperimentResult): Promise<{ markdown: string; json: string }> {
  const dir = join(workspaceDir, '.sockshop', 'reports');
  await mkdir(dir, { recursive: true });
  const stamp = r.startedAt.replace(/[:.]/g, '-');
  const safe = redactedResult(r);
  const markdown = join(dir, `chaos-${stamp}.md`);
  const json = join(dir, `chaos-${stamp}.json`);
  await writeFile(markdown, experimentMarkdown(safe));
  await writeFile(json, JSON.stringify(safe, null, 2) + '\n');
  return { markdown, json };
}

