// Checks for chaos-related Kubernetes YAML (kube-monkey labels and config, removed Deployment APIs, risky
// RBAC), as editor diagnostics: text in, problems with 0-based ranges, codes and severities out. Pure: the UI
// maps them onto vscode.Diagnostic and offers the attached fixes as quick fixes.
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, Scalar } from 'yaml';
import type { Document, Node, Pair, YAMLMap } from 'yaml';
import { checkConfigToml, isKillMode, killModeProblem, killValueProblem, LABEL, mtbfProblem } from './kubemonkey';

export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}
export interface TextEdit {
  range: Range;
  newText: string;
}
export interface Fix {
  title: string;
  edits: TextEdit[];
}

export type Severity = 'error' | 'warning' | 'info';

export const CODES = {
  templateIdentifier: 'km-template-identifier',
  mtbf: 'km-mtbf',
  killMode: 'km-kill-mode',
  killValue: 'km-kill-value',
  timeZone: 'km-time-zone',
  hoursOrder: 'km-hours-order',
  dryRunImplicit: 'km-dry-run-implicit',
  tomlSyntax: 'km-toml-syntax',
  removedDeploymentApi: 'removed-deployment-api',
  clusterAdminDefault: 'cluster-admin-default-sa',
} as const;

export interface ChaosDiagnostic {
  code: string;
  message: string;
  severity: Severity;
  range: Range;
  fix?: Fix;
}

const REMOVED_DEPLOYMENT_APIS = new Set(['extensions/v1beta1', 'apps/v1beta1', 'apps/v1beta2']);

/** Whether the text is worth checking at all (cheap test before parsing every YAML file the user opens). */
export function mayHaveChaosProblems(text: string): boolean {
  return /kube-monkey|v1beta|cluster-admin|config\.toml/.test(text);
}

/** Documents larger than this (UTF-16 code units, ~1 MB) are not parsed for diagnostics on the extension host. */
export const MAX_DIAGNOSTICS_CHARS = 1_000_000;

/** Why a document is not checked (too large), or undefined when it is. */
export function diagnosticsSkipReason(length: number): string | undefined {
  return length > MAX_DIAGNOSTICS_CHARS
    ? `${(length / 1_000_000).toFixed(1)} M characters, more than the ${MAX_DIAGNOSTICS_CHARS / 1_000_000} M that YAML diagnostics parse on the extension host`
    : undefined;
}

export function chaosDiagnostics(text: string): ChaosDiagnostic[] {
  if (diagnosticsSkipReason(text.length)) return [];
  if (!mayHaveChaosProblems(text)) return [];
  const lc = new LineCounter();
  let docs: Document.Parsed[];
  try {
    const parsed = parseAllDocuments(text, { lineCounter: lc, keepSourceTokens: false });
    docs = Array.isArray(parsed) ? (parsed as Document.Parsed[]) : [];
  } catch {
    return [];
  }
  const out: ChaosDiagnostic[] = [];
  const pos = (offset: number): Position => {
    const p = lc.linePos(offset);
    return { line: p.line - 1, character: p.col - 1 };
  };
  const rangeOf = (n: Node | null | undefined, fallback?: Node | null): Range => {
    const r = n?.range ?? fallback?.range ?? [0, 0, 0];
    return { start: pos(r[0]), end: pos(r[1]) };
  };
  for (const doc of docs) {
    // Documents with syntax errors are left to the YAML language support.
    if (doc.errors.length || !isMap(doc.contents)) continue;
    const root = doc.contents as unknown as YAMLMap<Node, Node>;
    const kind = scalarValue(pairOf(root, 'kind')?.value);
    if (kind === 'Deployment') checkDeployment(root, text, lc, rangeOf, out);
    else if (kind === 'ConfigMap') checkConfigMap(root, text, lc, rangeOf, out);
    else if (kind === 'ClusterRoleBinding' || kind === 'RoleBinding') checkBinding(root, kind, rangeOf, out);
  }
  out.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return out;
}

type RangeOf = (n: Node | null | undefined, fallback?: Node | null) => Range;

function pairOf(map: unknown, key: string): Pair<Node, Node> | undefined {
  if (!isMap(map)) return undefined;
  return (map as YAMLMap<Node, Node>).items.find((p) => isScalar(p.key) && String(p.key.value) === key);
}

function path(map: unknown, ...keys: string[]): Pair<Node, Node> | undefined {
  let cur: unknown = map;
  let pair: Pair<Node, Node> | undefined;
  for (const k of keys) {
    pair = pairOf(cur, k);
    if (!pair) return undefined;
    cur = pair.value;
  }
  return pair;
}

function scalarValue(n: unknown): unknown {
  return isScalar(n) ? n.value : undefined;
}

/** A label value as Kubernetes would see it: strings stay strings, other scalars keep their type (an error). */
function labelValue(p: Pair<Node, Node> | undefined): unknown {
  if (!p) return undefined;
  const v = p.value;
  if (!isScalar(v)) return v === null ? null : undefined;
  return v.value;
}

function checkDeployment(root: YAMLMap<Node, Node>, text: string, lc: LineCounter, rangeOf: RangeOf, out: ChaosDiagnostic[]): void {
  const apiPair = pairOf(root, 'apiVersion');
  const apiVersion = scalarValue(apiPair?.value);
  if (typeof apiVersion === 'string' && REMOVED_DEPLOYMENT_APIS.has(apiVersion)) {
    out.push({
      code: CODES.removedDeploymentApi,
      severity: 'error',
      message: `Deployments in ${apiVersion} were removed in Kubernetes 1.16: use apps/v1 (which also requires spec.selector.matchLabels).`,
      range: rangeOf(apiPair?.value as Node, apiPair?.key as Node),
      fix: appsV1Fix(root, text, lc, rangeOf),
    });
  }
  const labelsPair = path(root, 'metadata', 'labels');
  const labels = labelsPair?.value;
  if (!isMap(labels)) return;
  const kmPairs = (labels as YAMLMap<Node, Node>).items.filter((p) => isScalar(p.key) && String(p.key.value).startsWith('kube-monkey/'));
  if (!kmPairs.length) return;
  const get = (k: string) => pairOf(labels, k);
  const anchor = get(LABEL.enabled) ?? kmPairs[0];
  const at = (p: Pair<Node, Node> | undefined) => rangeOf((p?.value as Node) ?? (p?.key as Node), anchor.key as Node);
  const identifier = labelValue(get(LABEL.identifier));
  const templateLabels = path(root, 'spec', 'template', 'metadata', 'labels')?.value;
  const templateId = labelValue(pairOf(templateLabels, LABEL.identifier));
  if (templateId === undefined || templateId === null) {
    out.push({
      code: CODES.templateIdentifier,
      severity: 'error',
      message: `The Deployment carries kube-monkey labels but its pod template has no ${LABEL.identifier} label: kube-monkey finds the pods by it and will kill nothing. Add ${LABEL.identifier}${typeof identifier === 'string' ? `: ${identifier}` : ''} under spec.template.metadata.labels.`,
      range: rangeOf((get(LABEL.identifier)?.key as Node) ?? (anchor.key as Node)),
    });
  } else if (typeof identifier === 'string' && templateId !== identifier) {
    out.push({
      code: CODES.templateIdentifier,
      severity: 'error',
      message: `The pod template's ${LABEL.identifier} ("${String(templateId)}") differs from the Deployment's ("${identifier}"): kube-monkey would not find the pods.`,
      range: rangeOf(pairOf(templateLabels, LABEL.identifier)?.value as Node),
    });
  }
  const mtbf = get(LABEL.mtbf);
  const m = mtbfProblem(labelValue(mtbf));
  if (m) out.push({ code: CODES.mtbf, severity: 'error', message: m, range: at(mtbf) });
  const modePair = get(LABEL.killMode);
  const mode = labelValue(modePair);
  const km = killModeProblem(mode);
  if (km) out.push({ code: CODES.killMode, severity: 'error', message: km, range: at(modePair) });
  if (isKillMode(mode)) {
    const valuePair = get(LABEL.killValue);
    const kv = killValueProblem(mode, labelValue(valuePair));
    if (kv) out.push({ code: CODES.killValue, severity: 'error', message: kv, range: at(valuePair ?? modePair) });
  }
}

/** The quick fix for a removed Deployment API: apiVersion apps/v1 and, when missing, spec.selector.matchLabels from the template labels. */
function appsV1Fix(root: YAMLMap<Node, Node>, text: string, lc: LineCounter, rangeOf: RangeOf): Fix | undefined {
  const apiPair = pairOf(root, 'apiVersion');
  if (!apiPair?.value) return undefined;
  const edits: TextEdit[] = [{ range: rangeOf(apiPair.value), newText: 'apps/v1' }];
  const spec = pairOf(root, 'spec')?.value;
  if (!isMap(spec)) return { title: 'Change apiVersion to apps/v1', edits };
  if (pairOf(spec, 'selector')) return { title: 'Change apiVersion to apps/v1', edits };
  const templateLabels = path(spec, 'template', 'metadata', 'labels')?.value;
  if (!isMap(templateLabels) || (spec as YAMLMap).flow) return { title: 'Change apiVersion to apps/v1', edits };
  const all = (templateLabels as YAMLMap<Node, Node>).items
    .filter((p) => isScalar(p.key) && isScalar(p.value))
    .map((p) => [String((p.key as Scalar).value), String((p.value as Scalar).value)] as const);
  // kube-monkey's labels are opt-in settings that change; a selector is immutable, so leave them out of it.
  const stable = all.filter(([k]) => !k.startsWith('kube-monkey/'));
  const chosen = stable.length ? stable : all;
  if (!chosen.length) return { title: 'Change apiVersion to apps/v1', edits };
  const first = (spec as YAMLMap<Node, Node>).items[0];
  const keyStart = first?.key?.range?.[0];
  if (keyStart === undefined) return { title: 'Change apiVersion to apps/v1', edits };
  const p = lc.linePos(keyStart);
  const indent = ' '.repeat(p.col - 1);
  // Only when the first key starts its own line (block style).
  const lineStart = keyStart - (p.col - 1);
  if (text.slice(lineStart, keyStart).trim() !== '') return { title: 'Change apiVersion to apps/v1', edits };
  const q = (s: string) => (/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(s) && !/^(true|false|yes|no|on|off|null|~|[0-9.]+)$/i.test(s) ? s : JSON.stringify(s));
  const insert =
    `${indent}selector:\n${indent}  matchLabels:\n` + chosen.map(([k, v]) => `${indent}    ${q(k)}: ${q(v)}\n`).join('');
  edits.push({ range: { start: { line: p.line - 1, character: 0 }, end: { line: p.line - 1, character: 0 } }, newText: insert });
  return { title: 'Change to apps/v1 and add spec.selector.matchLabels from the pod template labels', edits };
}

function checkConfigMap(root: YAMLMap<Node, Node>, text: string, lc: LineCounter, rangeOf: RangeOf, out: ChaosDiagnostic[]): void {
  const data = pairOf(root, 'data')?.value;
  const pair = pairOf(data, 'config.toml');
  if (!pair || !isScalar(pair.value) || typeof pair.value.value !== 'string') return;
  const toml = pair.value.value;
  const name = scalarValue(path(root, 'metadata', 'name')?.value);
  if (!/^\s*\[kubemonkey\]/m.test(toml) && !(typeof name === 'string' && name.includes('kube-monkey'))) return;
  const node = pair.value as Scalar;
  const block = node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
  let map: (line: number, col: number) => Position;
  if (block && node.range) {
    // A literal block: TOML line i is source line (header line + 1 + i), shifted by the block's indentation.
    const header = lc.linePos(node.range[0]).line; // 1-based line of "|", i.e. 0-based line of the first content line
    const lines = text.split(/\r?\n/);
    let indent = 0;
    for (let i = header; i < lines.length; i++) {
      if (lines[i].trim()) {
        indent = lines[i].length - lines[i].trimStart().length;
        break;
      }
    }
    map = (line, col) => ({ line: header + line, character: indent + col });
  } else {
    const r = rangeOf(pair.key as Node);
    map = () => r.start;
  }
  for (const p of checkConfigToml(toml)) {
    const start = map(p.line, p.column);
    const end = block ? map(p.line, p.endColumn) : rangeOf(pair.key as Node).end;
    const d: ChaosDiagnostic = { code: p.code, severity: p.severity, message: p.message, range: { start, end } };
    // Only in a literal block does a TOML column map one to one onto the YAML text (quoted: escapes; folded: joined lines).
    if (node.type === Scalar.BLOCK_LITERAL && p.replacement) d.fix = { title: p.replacement.title, edits: [{ range: { start, end }, newText: p.replacement.text }] };
    out.push(d);
  }
}

function checkBinding(root: YAMLMap<Node, Node>, kind: string, rangeOf: RangeOf, out: ChaosDiagnostic[]): void {
  const roleRef = pairOf(root, 'roleRef')?.value;
  const roleName = scalarValue(pairOf(roleRef, 'name')?.value);
  const roleKind = scalarValue(pairOf(roleRef, 'kind')?.value);
  if (roleName !== 'cluster-admin' || (roleKind !== undefined && roleKind !== 'ClusterRole')) return;
  const subjects = pairOf(root, 'subjects')?.value;
  if (!isSeq(subjects)) return;
  for (const s of subjects.items) {
    if (!isMap(s)) continue;
    if (scalarValue(pairOf(s, 'kind')?.value) !== 'ServiceAccount' || scalarValue(pairOf(s, 'name')?.value) !== 'default') continue;
    const ns = scalarValue(pairOf(s, 'namespace')?.value);
    const scope = kind === 'ClusterRoleBinding' ? 'in every namespace' : 'in this namespace';
    out.push({
      code: CODES.clusterAdminDefault,
      severity: 'warning',
      message:
        `This ${kind} gives cluster-admin ${scope} to the default ServiceAccount${typeof ns === 'string' ? ` of ${ns}` : ''}: every pod there that names no ServiceAccount gets it. ` +
        'Least privilege: give the workload its own ServiceAccount and a Role with only what it needs — for kube-monkey, get/list on deployments, statefulsets and daemonsets and list/delete on pods in the target namespace ("Sock Shop: Install kube-monkey" creates exactly that).',
      range: rangeOf(pairOf(s, 'name')?.value as Node, s as Node),
    });
  }
}

/** Applies non-overlapping edits to text (for tests and previews). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: Position) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

