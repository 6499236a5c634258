// Chaos experiments as files (`*.chaos.yaml`): parsed and checked against manifests/chaos/experiment.schema.json
// plus the rules a schema cannot say (a kill value is needed unless kill-all, percent modes go to 100, the
// interval is shorter than the duration, never kube-system), each problem with the source range it is about,
// then turned into the ExperimentSpec the runner takes. The safety limits (namespace allowlist, pods per
// kill, longest run) are not in the file: a file in a repository must not be able to loosen them.
import { isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import schemaJson from '../../../manifests/chaos/experiment.schema.json';
import type { ExperimentSpec, Hypothesis, KillSpec } from './experiment';
import { isPercentMode, type KillMode } from './kubemonkey';
import { formatPath, validate, type JsonPath, type Schema } from './schema';
import type { FlowName, LoadModel, LoadSpec } from '../load/types';
import { DEFAULT_TARGET_SERVICE } from '../load/target';
import type { Probe, SteadyState } from './steady';

export const EXPERIMENT_SCHEMA = schemaJson as Schema;
export const API_VERSION = 'sockshop.lab/v1';
export const FILE_SUFFIX = '.chaos.yaml';
/** Files above this size are not parsed (one message instead). */
export const MAX_FILE_CHARS = 1_000_000;

export function isExperimentFile(path: string): boolean {
  return path.endsWith(FILE_SUFFIX) || path.endsWith('.chaos.yml');
}

/** The file as written (after validation the shape is the schema's). */
export interface ExperimentFile {
  apiVersion: typeof API_VERSION;
  kind: 'ChaosExperiment';
  metadata: { name: string; description?: string };
  spec: {
    namespace: string;
    targets: string[];
    kill: { mode: KillMode; value?: number };
    fault?: { podDelete?: Record<string, never>; nodeDrain?: { node?: string }; scaleDown?: { to: number; holdSeconds: number }; containerKill?: { container?: string; signal?: 'TERM' | 'KILL' } };
    intervalSeconds: number;
    durationSeconds: number;
    gracePeriodSeconds?: number;
    load?: {
      url?: string;
      service?: string;
      timeoutMs?: number;
      model: { open?: { rate: number; maxConnections?: number }; users?: { users: number; spawnRate?: number; waitSeconds?: [number, number]; flow?: FlowName }; closed?: { concurrency: number } };
      maxRequests?: number;
    };
    hypothesis: { maxFailPercent: number; maxP95Ms?: number; recoverySeconds?: number };
    steadyState?: {
      probes: ({ http: { url: string; expectStatus?: number[]; maxLatencyMs?: number; timeoutMs?: number } } | { endpoints: { service: string; minReady: number } } | { replicas: { deployment: string; minReady: number } } | { promql: { query: string; min?: number; max?: number } })[];
      duringIntervalSeconds?: number;
      tolerance?: number;
    };
    prediction?: Prediction;
  };
}

/** Learning mode: what the user expects before the run. */
export interface Prediction {
  failPercent?: number;
  p95Ms?: number;
  recoverySeconds?: number;
}

export interface FileProblem {
  message: string;
  /** Character offsets into the text [start, end). */
  range: [number, number];
  path: JsonPath;
}

export interface ParsedExperiment {
  experiment?: ExperimentFile;
  problems: FileProblem[];
}

/** The source range of the value at path (or of its key, for a field that should not be there). */
export function rangeOf(doc: Document, path: JsonPath, preferKey = false): [number, number] {
  let node: Node | null | undefined = doc.contents as Node | null;
  let best: [number, number] = node?.range ? [node.range[0], node.range[1]] : [0, 0];
  for (let i = 0; i < path.length && node; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg);
      if (!pair) return best;
      const key = pair.key as Node | null;
      if (last && preferKey && key?.range) return [key.range[0], key.range[1]];
      node = pair.value as Node | null;
      if (!node?.range && key?.range) return [key.range[0], key.range[1]];
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg] as Node | null;
    } else {
      return best;
    }
    if (node?.range) best = [node.range[0], node.range[1]];
  }
  return best;
}

/** Parses and checks a *.chaos.yaml text; never throws on bad input. */
export function parseExperiment(text: string): ParsedExperiment {
  if (text.length > MAX_FILE_CHARS) {
    return { problems: [{ message: `The file has ${text.length.toLocaleString('en-US')} characters; an experiment file is at most ${MAX_FILE_CHARS.toLocaleString('en-US')}. It was not parsed.`, range: [0, 0], path: [] }] };
  }
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  if (!Array.isArray(docs)) return { problems: [{ message: 'The file is not YAML.', range: [0, 0], path: [] }] };
  const problems: FileProblem[] = [];
  for (const d of docs) {
    for (const e of d.errors) problems.push({ message: `YAML: ${e.message.split('\n')[0]}`, range: [e.pos[0], Math.max(e.pos[1], e.pos[0] + 1)], path: [] });
  }
  if (problems.length) return { problems };
  const nonEmpty = docs.filter((d) => d.contents !== null);
  if (!nonEmpty.length) return { problems: [{ message: 'The file is empty: an experiment starts with "apiVersion: sockshop.lab/v1" and "kind: ChaosExperiment".', range: [0, 0], path: [] }] };
  if (nonEmpty.length > 1) {
    const r = nonEmpty[1].range;
    return { problems: [{ message: `One experiment per file: this file has ${nonEmpty.length} YAML documents.`, range: [r[0], r[1]], path: [] }] };
  }
  const doc = nonEmpty[0];
  const value = doc.toJS({ maxAliasCount: 50 }) as unknown;
  for (const p of validate(EXPERIMENT_SCHEMA, value)) {
    const unknownField = /is not a field of/.test(p.message) || /^.* repeats /.test(p.message);
    problems.push({ message: p.message, path: p.path, range: rangeOf(doc, p.path, unknownField) });
  }
  if (problems.length) return { problems };
  const file = value as ExperimentFile;
  const add = (path: JsonPath, message: string) => problems.push({ message, path, range: rangeOf(doc, path) });
  const s = file.spec;
  if (s.namespace === 'kube-system') add(['spec', 'namespace'], 'spec.namespace: chaos experiments never touch kube-system.');
  if (s.kill.mode === 'kill-all') {
    if (s.kill.value !== undefined) add(['spec', 'kill', 'value'], 'spec.kill.value is not used by kill-all (every pod of each target): remove it.');
  } else if (s.kill.value === undefined) {
    add(['spec', 'kill'], `spec.kill is missing "value": kill mode ${s.kill.mode} needs ${isPercentMode(s.kill.mode) ? 'a percent (1–100)' : 'a number of pods'}.`);
  } else if (isPercentMode(s.kill.mode) && s.kill.value > 100) {
    add(['spec', 'kill', 'value'], `spec.kill.value is ${s.kill.value}: ${s.kill.mode} takes a percent, at most 100.`);
  }
  const sd = s.fault?.scaleDown;
  if (sd && sd.holdSeconds >= s.intervalSeconds) add(['spec', 'fault', 'scaleDown', 'holdSeconds'], `spec.fault.scaleDown.holdSeconds (${sd.holdSeconds}) must be shorter than spec.intervalSeconds (${s.intervalSeconds}): the scale-back comes before the next one.`);
  if (s.intervalSeconds >= s.durationSeconds) add(['spec', 'intervalSeconds'], `spec.intervalSeconds (${s.intervalSeconds}) must be shorter than spec.durationSeconds (${s.durationSeconds}): no kill would happen.`);
  const w = s.load?.model.users?.waitSeconds;
  if (w && w[0] > w[1]) add(['spec', 'load', 'model', 'users', 'waitSeconds'], `spec.load.model.users.waitSeconds is [${w.join(', ')}]: the first (min) must not exceed the second (max).`);
  if (s.load?.url !== undefined && s.load.service !== undefined) add(['spec', 'load', 'service'], 'spec.load: give url or service, not both.');
  if (s.load?.url !== undefined) {
    try {
      const u = new URL(s.load.url);
      if (u.username || u.password) add(['spec', 'load', 'url'], 'spec.load.url must not carry credentials (they would end up in reports).');
    } catch {
      add(['spec', 'load', 'url'], `spec.load.url ${JSON.stringify(s.load.url)} is not a URL.`);
    }
  }
  return problems.length ? { problems } : { experiment: file, problems };
}

export const DEFAULT_HYPOTHESIS: Readonly<Omit<Hypothesis, 'maxFailPercent'>> = { maxP95Ms: 1000, recoverySeconds: 60 };

/** The load target: the file's url, or the address found for its service (the caller looks it up). */
export function loadTargetService(file: ExperimentFile): string | undefined {
  const l = file.spec.load;
  if (!l || l.url) return undefined;
  return l.service ?? DEFAULT_TARGET_SERVICE;
}

/**
 * The runner's spec from a checked file. `url` is the load target when the file names a service instead
 * of a url; `limits` are the runner's (settings or CLI flags), never the file's.
 */
export function toSpec(file: ExperimentFile, opts: { url?: string; limits: { maxRequests: number; maxDurationSeconds: number }; dryRun?: boolean }): ExperimentSpec {
  const s = file.spec;
  const kill: KillSpec = s.kill.mode === 'kill-all' ? { mode: 'kill-all' } : { mode: s.kill.mode, value: s.kill.value };
  let load: LoadSpec | undefined;
  if (s.load) {
    const url = s.load.url ?? opts.url;
    if (!url) throw new Error(`${formatPath(['spec', 'load'])}: no target URL (give spec.load.url, or deploy the ${loadTargetService(file)} Service)`);
    const m = s.load.model;
    const maxRequests = Math.min(s.load.maxRequests ?? opts.limits.maxRequests, opts.limits.maxRequests);
    let model: LoadModel;
    if (m.open) model = { kind: 'open', rate: m.open.rate, maxConnections: m.open.maxConnections ?? 100 };
    else if (m.users) model = { kind: 'users', users: m.users.users, spawnRate: m.users.spawnRate ?? 10, waitSeconds: m.users.waitSeconds ?? [1, 3], flow: m.users.flow ?? 'index' };
    else model = { kind: 'closed', concurrency: m.closed!.concurrency, requests: maxRequests };
    load = { target: { url, timeoutMs: s.load.timeoutMs ?? 10_000, cookies: [] }, model, maxRequests, maxDurationSeconds: Math.min(s.durationSeconds, opts.limits.maxDurationSeconds) };
  }
  return {
    namespace: s.namespace,
    targets: [...s.targets],
    kill,
    intervalSeconds: s.intervalSeconds,
    durationSeconds: s.durationSeconds,
    load,
    hypothesis: { maxFailPercent: s.hypothesis.maxFailPercent, maxP95Ms: s.hypothesis.maxP95Ms ?? DEFAULT_HYPOTHESIS.maxP95Ms, recoverySeconds: s.hypothesis.recoverySeconds ?? DEFAULT_HYPOTHESIS.recoverySeconds },
    dryRun: opts.dryRun,
    gracePeriodSeconds: s.gracePeriodSeconds,
    ...(s.steadyState ? { steadyState: toSteadyState(s.steadyState) } : {}),
    ...(s.fault?.nodeDrain
      ? { fault: { kind: 'nodeDrain' as const, ...s.fault.nodeDrain } }
      : s.fault?.scaleDown
        ? { fault: { kind: 'scaleDown' as const, ...s.fault.scaleDown } }
        : s.fault?.containerKill
          ? { fault: { kind: 'containerKill' as const, ...s.fault.containerKill } }
          : {}),
  };
}

function toSteadyState(s: NonNullable<ExperimentFile['spec']['steadyState']>): SteadyState {
  const probes: Probe[] = s.probes.map((p) => {
    if ('http' in p) return { kind: 'http', ...p.http };
    if ('endpoints' in p) return { kind: 'endpoints', ...p.endpoints };
    if ('replicas' in p) return { kind: 'replicas', ...p.replicas };
    return { kind: 'promql', ...p.promql };
  });
  return { probes, ...(s.duringIntervalSeconds !== undefined ? { duringIntervalSeconds: s.duringIntervalSeconds } : {}), ...(s.tolerance !== undefined ? { tolerance: s.tolerance } : {}) };
}

/** A new experiment file's text from a spec (what the Start Chaos Experiment prompts can save). */
export function experimentFileText(name: string, spec: ExperimentSpec, description?: string): string {
  const lines = [
    `# A chaos experiment. Run it with the "Run" CodeLens above, or headless: npm run chaos -- run <this file>`,
    `apiVersion: ${API_VERSION}`,
    'kind: ChaosExperiment',
    'metadata:',
    `  name: ${name}`,
    ...(description ? [`  description: ${JSON.stringify(description)}`] : []),
    'spec:',
    `  namespace: ${spec.namespace}`,
    `  targets: [${spec.targets.join(', ')}]`,
    '  kill:',
    `    mode: ${spec.kill.mode}`,
    ...(spec.kill.mode !== 'kill-all' && spec.kill.value !== undefined ? [`    value: ${spec.kill.value}`] : []),
    `  intervalSeconds: ${spec.intervalSeconds}`,
    `  durationSeconds: ${spec.durationSeconds}`,
    ...(spec.gracePeriodSeconds !== undefined ? [`  gracePeriodSeconds: ${spec.gracePeriodSeconds}`] : []),
    ...(spec.fault?.kind === 'nodeDrain' ? ['  fault:', `    nodeDrain: {${spec.fault.node ? `node: ${spec.fault.node}` : ''}}`] : []),
    ...(spec.fault?.kind === 'scaleDown' ? ['  fault:', `    scaleDown: {to: ${spec.fault.to}, holdSeconds: ${spec.fault.holdSeconds}}`] : []),
    ...(spec.fault?.kind === 'containerKill'
      ? ['  fault:', `    containerKill: {${[spec.fault.container ? `container: ${spec.fault.container}` : '', spec.fault.signal ? `signal: ${spec.fault.signal}` : ''].filter(Boolean).join(', ')}}`]
      : []),
  ];
  if (spec.load) {
    const m = spec.load.model;
    lines.push('  load:', `    url: ${spec.load.target.url}`);
    if (spec.load.target.timeoutMs !== undefined) lines.push(`    timeoutMs: ${spec.load.target.timeoutMs}`);
    lines.push('    model:');
    if (m.kind === 'open') lines.push('      open:', `        rate: ${m.rate}`, `        maxConnections: ${m.maxConnections}`);
    else if (m.kind === 'users') lines.push('      users:', `        users: ${m.users}`, `        spawnRate: ${m.spawnRate}`, `        waitSeconds: [${m.waitSeconds.join(', ')}]`, `        flow: ${m.flow}`);
    else lines.push('      closed:', `        concurrency: ${m.concurrency}`);
  }
  const h = spec.hypothesis;
  lines.push('  hypothesis:', `    maxFailPercent: ${h.maxFailPercent}`, `    maxP95Ms: ${h.maxP95Ms}`, `    recoverySeconds: ${h.recoverySeconds}`);
  const ss = spec.steadyState;
  if (ss) {
    lines.push('  steadyState:', '    probes:');
    for (const p of ss.probes) {
      const { kind, ...fields } = p;
      lines.push(`      - ${kind}: ${JSON.stringify(fields).replace(/"([A-Za-z]+)":/g, '$1: ')}`);
    }
    if (ss.duringIntervalSeconds !== undefined) lines.push(`    duringIntervalSeconds: ${ss.duringIntervalSeconds}`);
    if (ss.tolerance !== undefined) lines.push(`    tolerance: ${ss.tolerance}`);
  }
  lines.push('');
  return lines.join('\n');
}
