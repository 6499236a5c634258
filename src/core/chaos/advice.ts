// From a failed verdict's evidence to manifest changes: what the run showed about each target, mapped to the
// Kubernetes settings that change it, and the edit of a Deployment document that makes the change.
//   one replica and failures                  → more replicas, and a PodDisruptionBudget keeping one up
//   failures starting at the instant of kills → a preStop pause (endpoints drain before the process exits)
//                                               and a readiness probe (no traffic before the pod answers)
//   recovery slower than the hypothesis       → readiness probe timings (initial delay, period)
// The edits go through the `yaml` document model, so comments and the other documents of the file survive.
import { isMap, isSeq, parseAllDocuments, YAMLMap, YAMLSeq, type Document } from 'yaml';
import type { ExperimentResult } from './experiment';

export type AdviceKind = 'replicas' | 'pdb' | 'preStop' | 'readiness' | 'probeTimings';

export interface Advice {
  deployment: string;
  kind: AdviceKind;
  /** Why, from the evidence, in a sentence. */
  reason: string;
  /** The quick fix's title. */
  title: string;
}

/** What a manifest says of a target (read from the workspace file), as far as advice needs it. */
export interface DeploymentFacts {
  name: string;
  replicas: number;
  readiness?: { initialDelaySeconds?: number; periodSeconds?: number };
  preStop: boolean;
  pdb: boolean;
}

/** Replicas the fix proposes for a single-replica target (the workshop's front-end runs 4). */
export const PROPOSED_REPLICAS = 3;
/** The preStop pause: longer than the lab's and kube-proxy's endpoint propagation, shorter than the 30 s grace. */
export const PRESTOP_SECONDS = 5;

const desiredOf = (r: ExperimentResult, target: string): number | undefined => r.samples.find((s) => s.ready[target])?.ready[target].desired;

/** Advice for each target of a failed run, given what the workspace's manifests say of them. */
export function adviseFromResult(r: ExperimentResult, manifests: readonly DeploymentFacts[]): Advice[] {
  if (r.verdict !== 'FAIL') return [];
  const failures = r.checks.find((c) => c.name === 'failures');
  const recovery = r.checks.find((c) => c.name === 'recovery');
  const out: Advice[] = [];
  for (const target of r.spec.targets) {
    const m = manifests.find((x) => x.name === target);
    if (!m) continue;
    const desired = desiredOf(r, target) ?? m.replicas;
    if (failures && !failures.ok) {
      const atKills = failures.evidence.filter((e) => e.includes(`(${target}:`) && (e.includes('falls in its first second') || /, [0-9.]+ s after the kill/.test(e))).length;
      const kills = r.kills.filter((k) => k.deployment === target && k.pods.length).length;
      if (desired <= 1) {
        out.push({
          deployment: target,
          kind: 'replicas',
          reason: `${target} ran 1 replica: each of its ${kills} kill${kills === 1 ? '' : 's'} left no pod to serve (${failures.summary}).`,
          title: `Run ${PROPOSED_REPLICAS} replicas of ${target}`,
        });
        if (!m.pdb) {
          out.push({ deployment: target, kind: 'pdb', reason: `Nothing kept one ${target} pod up during voluntary disruptions.`, title: `Add a PodDisruptionBudget (minAvailable 1) for ${target}` });
        }
      } else if (atKills > 0) {
        if (!m.preStop) {
          out.push({
            deployment: target,
            kind: 'preStop',
            reason: `Failures started at ${atKills} of ${kills} kills of ${target}: the pod stopped before the load balancer and Services stopped sending to it.`,
            title: `Add a ${PRESTOP_SECONDS} s preStop pause to ${target}`,
          });
        }
        if (!m.readiness) {
          out.push({ deployment: target, kind: 'readiness', reason: `${target} has no readiness probe: replacement pods get traffic before they answer.`, title: `Add a readiness probe to ${target}` });
        }
      }
    }
    if (recovery && !recovery.ok && m.readiness && ((m.readiness.initialDelaySeconds ?? 0) > 5 || (m.readiness.periodSeconds ?? 10) > 5)) {
      out.push({
        deployment: target,
        kind: 'probeTimings',
        reason: `${target} recovered too slowly (${recovery.summary}); its readiness probe waits ${m.readiness.initialDelaySeconds ?? 0} s and checks every ${m.readiness.periodSeconds ?? 10} s.`,
        title: `Check ${target}'s readiness sooner (initial delay 2 s, every 2 s)`,
      });
    }
  }
  return out;
}

export interface ManifestDeployment {
  name: string;
  /** Character offsets of the document in the file. */
  range: [number, number];
  facts: DeploymentFacts;
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** The Deployments a YAML file defines, with the facts advice needs (PodDisruptionBudgets matched by selector). */
export function deploymentsIn(text: string): ManifestDeployment[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) return [];
  const js = docs.map((d) => (d.errors.length ? undefined : obj(d.toJS())));
  const pdbSelectors = js.filter((j) => j?.kind === 'PodDisruptionBudget').map((j) => obj(obj(obj(j!.spec).selector).matchLabels));
  const out: ManifestDeployment[] = [];
  js.forEach((j, i) => {
    if (!j || j.kind !== 'Deployment') return;
    const name = String(obj(j.metadata).name ?? '');
    const spec = obj(j.spec);
    const labels = obj(obj(obj(spec.template).metadata).labels);
    const containers = (obj(obj(spec.template).spec).containers as Json[] | undefined) ?? [];
    const c = obj(containers[0]);
    const rp = c.readinessProbe ? obj(c.readinessProbe) : undefined;
    const pdb = pdbSelectors.some((sel) => Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v));
    out.push({
      name,
      range: [docs[i].range[0], docs[i].range[1]],
      facts: {
        name,
        replicas: typeof spec.replicas === 'number' ? spec.replicas : 1,
        readiness: rp ? { initialDelaySeconds: rp.initialDelaySeconds as number | undefined, periodSeconds: rp.periodSeconds as number | undefined } : undefined,
        preStop: !!obj(obj(c.lifecycle).preStop) && Object.keys(obj(obj(c.lifecycle).preStop)).length > 0,
        pdb,
      },
    });
  });
  return out;
}

function firstContainer(doc: Document): YAMLMap | undefined {
  const containers = doc.getIn(['spec', 'template', 'spec', 'containers']);
  if (!isSeq(containers)) return undefined;
  const c = (containers as YAMLSeq).items[0];
  return isMap(c) ? (c as YAMLMap) : undefined;
}

/**
 * The file's text with one advice applied to the named Deployment (undefined when the file has no such
 * Deployment or the change is already there). A PodDisruptionBudget is added as a new document after it.
 */
export function applyAdvice(text: string, advice: Advice): string | undefined {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length)) return undefined;
  const index = docs.findIndex((d) => {
    const j = obj(d.toJS());
    return j.kind === 'Deployment' && obj(j.metadata).name === advice.deployment;
  });
  if (index < 0) return undefined;
  const doc = docs[index];
  const j = obj(doc.toJS());
  const c = firstContainer(doc);
  const port = (() => {
    const ports = obj(c?.toJSON()).ports as Json[] | undefined;
    return ports?.[0]?.containerPort as number | undefined;
  })();
  let extra = '';
  switch (advice.kind) {
    case 'replicas':
      if (typeof obj(j.spec).replicas === 'number' && (obj(j.spec).replicas as number) >= PROPOSED_REPLICAS) return undefined;
      doc.setIn(['spec', 'replicas'], PROPOSED_REPLICAS);
      break;
    case 'preStop':
      if (!c || c.getIn(['lifecycle', 'preStop'])) return undefined;
      c.setIn(['lifecycle', 'preStop'], doc.createNode({ exec: { command: ['sleep', String(PRESTOP_SECONDS)] } }));
      break;
    case 'readiness':
      if (!c || c.get('readinessProbe') || port === undefined) return undefined;
      c.set('readinessProbe', doc.createNode({ httpGet: { path: '/', port }, initialDelaySeconds: 2, periodSeconds: 2 }));
      break;
    case 'probeTimings':
      if (!c || !c.get('readinessProbe')) return undefined;
      c.setIn(['readinessProbe', 'initialDelaySeconds'], 2);
      c.setIn(['readinessProbe', 'periodSeconds'], 2);
      break;
    case 'pdb': {
      const match = obj(obj(obj(j.spec).selector).matchLabels);
      if (!Object.keys(match).length) return undefined;
      const ns = obj(j.metadata).namespace;
      const labels = Object.entries(match).map(([k, v]) => `      ${k}: ${JSON.stringify(String(v))}`).join('\n');
      extra = `---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: ${advice.deployment}\n${ns ? `  namespace: ${ns}\n` : ''}spec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n${labels}\n`;
      break;
    }
  }
  const [start, , end] = doc.range;
  let replaced = advice.kind === 'pdb' ? text.slice(start, end) : doc.toString();
  if (extra) replaced = replaced.endsWith('\n') ? replaced + extra : `${replaced}\n${extra}`;
  return text.slice(0, start) + replaced + text.slice(end);
}
