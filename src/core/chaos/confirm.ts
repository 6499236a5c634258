// What the chaos commands ask before they act, and the defaults they offer. Each confirmation names the
// cluster context and the namespace and states what will really happen — how many pods each kill takes
// once the kill mode, the replicas and the sockShop.chaos.maxPodsPerKill cap are put together — so that a
// text like "kill-all (every pod) … at most 3 per kill" never contradicts itself. The UI only shows them.
import type { Confirmation } from '../kube/guard';
import { UserError } from '../errors';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { apiClient } from '../kube/client';
import { blastLines, readBlastRadius } from '../kube/blast';
import { killTimes, matches, maxPodsToKill, readTargets, type ExperimentSpec, type KillSpec } from './experiment';
import type { Fault } from './faults';
import type { LoadSpec } from '../load/types';
import { KILL_MODES, type KillMode, type KubeMonkeyLabels } from './kubemonkey';

/** The workshop's labels (kube-monkey/mtbf 1, kill-mode fixed, kill-value 2): the default of Apply Labels. */
export const WORKSHOP_LABELS: Readonly<Pick<KubeMonkeyLabels, 'mtbf' | 'killMode' | 'killValue'>> = { mtbf: 1, killMode: 'fixed', killValue: 2 };

/** An experiment's default when its targets carry no (or differing) kube-monkey labels: one pod per kill. */
export const EXPERIMENT_DEFAULT_KILL: Readonly<KillSpec> = { mode: 'fixed', value: 1 };

const where = (context: string, namespace: string) => `namespace "${namespace}" of context "${context}"`;
const pods = (n: number) => `${n} pod${n === 1 ? '' : 's'}`;
const list = (names: readonly string[]) => names.map((n) => `"${n}"`).join(', ');

/** The kill modes in the order a picker shows them: the default first. */
export function killModesDefaultFirst(defaultMode: KillMode): KillMode[] {
  return [defaultMode, ...KILL_MODES.filter((m) => m !== defaultMode)];
}

/**
 * The kill an experiment should offer for its targets: their own kube-monkey labels when every target
 * carries the same valid kill-mode and kill-value, else EXPERIMENT_DEFAULT_KILL.
 */
export function experimentDefaultKill(targets: readonly { labels?: Partial<KubeMonkeyLabels> }[]): KillSpec {
  const kills = targets.map((t) => t.labels).filter((l): l is Partial<KubeMonkeyLabels> => !!l?.killMode);
  if (!targets.length || kills.length !== targets.length) return { ...EXPERIMENT_DEFAULT_KILL };
  const [first] = kills;
  const same = kills.every((k) => k.killMode === first.killMode && (first.killMode === 'kill-all' || k.killValue === first.killValue));
  if (!same) return { ...EXPERIMENT_DEFAULT_KILL };
  if (first.killMode === 'kill-all') return { mode: 'kill-all' };
  if (!(typeof first.killValue === 'number' && Number.isInteger(first.killValue) && first.killValue >= 1)) return { ...EXPERIMENT_DEFAULT_KILL };
  return { mode: first.killMode!, value: first.killValue };
}

/**
 * What one kill does to a Deployment of `replicas` pods, in words, with the cap applied when one is given
 * (`cap` undefined: kube-monkey's own kills, which no cap of ours limits).
 */
export function killEffect(kill: KillSpec, replicas: number | undefined, cap?: number): string {
  const capNote = (n: number) => (cap !== undefined && n > cap ? `, capped at ${cap} by sockShop.chaos.maxPodsPerKill` : '');
  const capped = (n: number) => (cap !== undefined ? Math.min(n, cap) : n);
  const v = kill.value ?? 0;
  if (replicas === undefined) {
    const c = cap !== undefined ? ` (at most ${cap}: sockShop.chaos.maxPodsPerKill)` : '';
    switch (kill.mode) {
      case 'kill-all':
        return `every pod${c}`;
      case 'fixed':
        return `${pods(capped(v))}${capNote(v)}`;
      case 'fixed-percent':
        return `${v} % of the pods, rounded down${c}`;
      case 'random-max-percent':
        return `a random number of pods from 0 to ${v} % of them${c}`;
    }
  }
  const n = Math.max(0, replicas);
  switch (kill.mode) {
    case 'kill-all': {
      const k = capped(n);
      return k === n ? `all ${pods(n)}` : `${k} of its ${pods(n)}${capNote(n)}`;
    }
    case 'fixed': {
      const want = Math.min(n, Math.floor(v));
      const k = capped(want);
      return `${k} of its ${pods(n)}${capNote(want)}`;
    }
    case 'fixed-percent': {
      const want = Math.floor((n * v) / 100);
      const k = capped(want);
      return `${k} of its ${pods(n)} (${v} %, rounded down${capNote(want)})`;
    }
    case 'random-max-percent': {
      const want = Math.floor((n * v) / 100);
      const k = capped(want);
      return `a random number from 0 to ${k} of its ${pods(n)} (up to ${v} %${capNote(want)})`;
    }
  }
}

export interface Target {
  name: string;
  replicas: number;
}

/** Apply kube-monkey Labels: the template change restarts every pod now; kube-monkey kills later. */
export function labelsConfirmation(o: { context: string; namespace: string; targets: readonly Target[]; mtbf: number; kill: KillSpec }): Confirmation {
  const total = o.targets.reduce((s, t) => s + t.replicas, 0);
  const names = o.targets.map((t) => t.name);
  const lines = [
    `The labels change each Deployment's pod template, so every pod of ${names.join(', ')} is replaced now by a rolling update (${pods(total)} in all), as a kubectl patch of the template would do.`,
    `Once kube-monkey runs with dry_run = false and this namespace whitelisted, it kills ${o.mtbf === 1 ? 'on every weekday' : `on average once every ${o.mtbf} weekdays`} (mtbf ${o.mtbf}):`,
    ...o.targets.map((t) => `  • ${t.name}: ${killEffect(o.kill, t.replicas)} per kill.`),
    'Until then nothing is killed.',
  ];
  return {
    message: `Put kube-monkey labels on ${names.length === 1 ? `Deployment "${names[0]}"` : `${names.length} Deployments (${list(names)})`} in ${where(o.context, o.namespace)}?`,
    detail: lines.join('\n'),
    button: 'Apply Labels',
  };
}

/** Install kube-monkey: what it is allowed to do once running. */
export function installConfirmation(o: { context: string; target: string; dryRun: boolean; debug: boolean; timeZone: string; optedIn: readonly string[] }): Confirmation {
  const scope = o.optedIn.length
    ? `Deployments of "${o.target}" that carry kube-monkey labels — now ${list(o.optedIn)}`
    : `Deployments of "${o.target}" that carry kube-monkey labels — none yet (use Apply kube-monkey Labels)`;
  const schedule = o.debug ? 'It plans at once and every 30 s and kills within a minute (debug schedule).' : `It plans on weekdays in ${o.timeZone}.`;
  const lines = [
    'A Namespace "kube-monkey", its ServiceAccount, a ClusterRole and binding (list and delete pods), a ConfigMap and the kube-monkey Deployment are server-side applied.',
    o.dryRun ? `dry_run = true: it only logs which pods of ${scope} it would kill; nothing is deleted.` : `dry_run = false: it deletes pods of ${scope}.`,
    schedule,
    '`kubectl delete namespace kube-monkey` removes it again.',
  ];
  return {
    message: o.dryRun
      ? `Install kube-monkey (dry run: it only logs) for ${where(o.context, o.target)}?`
      : `Install kube-monkey with dry_run = false: it will kill pods in ${where(o.context, o.target)}. Continue?`,
    detail: lines.join('\n'),
    button: o.dryRun ? 'Install (dry run)' : 'Install and kill pods',
  };
}

/** Start Chaos Experiment (not a dry run): which pods go, how often, under what load. */
export function experimentConfirmation(o: {
  context: string;
  namespace: string;
  targets: readonly Target[];
  kill: KillSpec;
  intervalSeconds: number;
  durationSeconds: number;
  maxPodsPerKill: number;
  kills: number;
  load?: string;
  /** Blast-radius lines (experimentImpact). */
  impact?: readonly string[];
  fault?: Fault;
}): Confirmation {
  const names = o.targets.map((t) => t.name);
  const times = (noun: string) => `Every ${o.intervalSeconds} s for ${o.durationSeconds} s (${o.kills} ${noun}${o.kills === 1 ? '' : 's'})`;
  const what =
    o.fault?.kind === 'nodeDrain'
      ? [`${times('drain')}, ${o.fault.node ? `node ${o.fault.node}` : 'the node running most of their pods'} is cordoned and the targets' pods on it are evicted through the Eviction API (PodDisruptionBudgets may refuse; at most ${o.maxPodsPerKill} per drain). Cordoned nodes are uncordoned at the end.`]
      : o.fault?.kind === 'containerKill'
        ? [`${times('kill')}, each kill runs kill -${o.fault.signal === 'KILL' ? 9 : 15} 1 in ${o.fault.container ? `container ${o.fault.container}` : 'the first container'} of (the pods stay; their kubelets restart the containers):`, ...o.targets.map((t) => `  • ${t.name}: ${killEffect(o.kill, t.replicas, o.maxPodsPerKill)}.`)]
      : o.fault?.kind === 'scaleDown'
        ? [`${times('scale-down')}, each target is scaled to ${o.fault.to} replica${o.fault.to === 1 ? '' : 's'} for ${o.fault.holdSeconds} s, then back:`, ...o.targets.map((t) => `  • ${t.name}: ${t.replicas} → ${o.fault?.kind === 'scaleDown' ? o.fault.to : t.replicas}.`)]
        : [`${times('kill')}, each kill deletes:`, ...o.targets.map((t) => `  • ${t.name}: ${killEffect(o.kill, t.replicas, o.maxPodsPerKill)}.`)];
  const lines = [
    ...what,
    o.load ? `Load meanwhile: ${o.load}.` : 'No load is sent; only the recovery of the targets is checked.',
    ...(o.impact ?? []),
    'Cancel the progress notification or run "Sock Shop: Abort Chaos Experiment" to stop at once.',
  ];
  return {
    message: `Kill ${o.fault?.kind === 'containerKill' ? 'containers in pods' : 'pods'} of ${list(names)} in ${where(o.context, o.namespace)}?`,
    detail: lines.join('\n'),
    button: 'Start',
  };
}

/** A load profile in a few words, for the confirmation ("50 Locust-style users (index flow) against …"). */
export function describeLoad(load: LoadSpec): string {
  const m = load.model;
  const to = ` against ${load.target.url}`;
  switch (m.kind) {
    case 'open':
      return `${m.rate} requests/s (open model)${to}`;
    case 'users':
      return `${m.users} Locust-style users (${m.flow} flow)${to}`;
    case 'closed':
      return `${m.concurrency} concurrent connections (closed model)${to}`;
  }
}

/**
 * The confirmation of a run of spec against the Deployments found in its namespace; throws when a target
 * is not there (naming the context, so the user sees which cluster was asked).
 */
export function experimentPlan(o: { context: string; spec: ExperimentSpec; candidates: readonly Target[]; maxPodsPerKill: number; impact?: readonly string[] }): Confirmation {
  const { spec } = o;
  const missing = spec.targets.filter((t) => !o.candidates.some((c) => c.name === t));
  if (missing.length) throw new UserError(`No Deployment ${missing.join(', ')} in namespace ${spec.namespace} of context "${o.context}".`, 'NotFound');
  return experimentConfirmation({
    context: o.context,
    namespace: spec.namespace,
    targets: o.candidates.filter((c) => spec.targets.includes(c.name)),
    kill: spec.kill,
    intervalSeconds: spec.intervalSeconds,
    durationSeconds: spec.durationSeconds,
    maxPodsPerKill: o.maxPodsPerKill,
    kills: killTimes(spec.intervalSeconds, spec.durationSeconds).length,
    load: spec.load ? describeLoad(spec.load) : undefined,
    impact: o.impact,
    fault: spec.fault,
  });
}

/**
 * The blast radius of one kill of the experiment, taken as it would be now (the first live pods of each
 * target, as many as the kill takes, within maxPodsPerKill): which Services lose endpoints, which budgets.
 */
export async function experimentImpact(kc: KubeConfig, spec: ExperimentSpec, maxPodsPerKill: number): Promise<string[]> {
  try {
    // The targets' own selectors, as the run picks its victims; each at its largest draw, the worst case.
    const [targets, pods] = await Promise.all([readTargets(kc, spec.namespace, spec.targets), apiClient(kc, CoreV1Api).listNamespacedPod({ namespace: spec.namespace })]);
    const live = pods.items.filter((p) => !p.metadata?.deletionTimestamp);
    let budget = maxPodsPerKill;
    const victims: V1Pod[] = [];
    for (const t of targets) {
      const mine = live.filter((p) => matches(t.selector, p.metadata?.labels));
      const n = Math.min(maxPodsToKill(spec.kill, mine.length), budget);
      budget -= n;
      victims.push(...mine.slice(0, n));
    }
    const lines = blastLines(await readBlastRadius(kc, spec.namespace, victims));
    return lines.length ? ['One kill, if it happened now:', ...lines] : [];
  } catch (err) {
    return [`(The effect on Services could not be read: ${(err as Error)?.message ?? err}.)`];
  }
}
