// kube-monkey's contract, as this extension writes and checks it:
//  - opt-in labels on a Deployment's metadata.labels (enabled, identifier, mtbf, kill-mode, kill-value) and
//    kube-monkey/identifier (+ enabled) on its pod template, where kube-monkey finds the pods;
//  - its config.toml (a small TOML subset: sections, key = string | integer | boolean | array of strings);
//  - the install objects: ConfigMap, apps/v1 Deployment, its own ServiceAccount and a least-privilege Role per
//    namespace it may act in (get/list deployments, statefulsets, daemonsets; list/delete pods; nothing else).
import { UserError } from '../errors';
import type { KubeObject } from '../kube/objects';

export const LABEL = {
  enabled: 'kube-monkey/enabled',
  identifier: 'kube-monkey/identifier',
  mtbf: 'kube-monkey/mtbf',
  killMode: 'kube-monkey/kill-mode',
  killValue: 'kube-monkey/kill-value',
} as const;

export const ENABLED_VALUE = 'enabled';

export const KILL_MODES = ['kill-all', 'fixed', 'random-max-percent', 'fixed-percent'] as const;
export type KillMode = (typeof KILL_MODES)[number];

export function isKillMode(v: unknown): v is KillMode {
  return typeof v === 'string' && (KILL_MODES as readonly string[]).includes(v);
}

export function isPercentMode(mode: KillMode): boolean {
  return mode === 'random-max-percent' || mode === 'fixed-percent';
}

export const KILL_MODE_HELP: Record<KillMode, string> = {
  'kill-all': 'every pod of the Deployment (kill-value is not used)',
  fixed: 'kill-value pods',
  'random-max-percent': 'a random number of pods, up to kill-value % of them',
  'fixed-percent': 'kill-value % of the pods',
};

export interface KubeMonkeyLabels {
  identifier: string;
  /** Mean time between failures, in days (an integer > 0). */
  mtbf: number;
  killMode: KillMode;
  /** Required for every mode but kill-all. */
  killValue?: number;
}

const INTEGER = /^[0-9]+$/;

/** Why an mtbf label value is not acceptable (undefined when it is). */
export function mtbfProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) return 'kube-monkey/mtbf is missing: kube-monkey needs the mean time between failures in days.';
  if (typeof value !== 'string') return `kube-monkey/mtbf must be a string (quote it: '${String(value)}'); label values are strings.`;
  if (!INTEGER.test(value) || Number(value) <= 0) return `kube-monkey/mtbf must be a whole number of days greater than 0 (got "${value}").`;
  return undefined;
}

export function killModeProblem(value: unknown): string | undefined {
  if (value === undefined || value === null) return `kube-monkey/kill-mode is missing: one of ${KILL_MODES.join(', ')}.`;
  if (!isKillMode(value)) return `Unknown kube-monkey/kill-mode "${String(value)}": use one of ${KILL_MODES.join(', ')}.`;
  return undefined;
}

/** Why a kill-value is not acceptable for mode (undefined when it is, or when the mode ignores it). */
export function killValueProblem(mode: KillMode, value: unknown): string | undefined {
  if (mode === 'kill-all') return undefined;
  if (value === undefined || value === null) return `kube-monkey/kill-value is missing: kill-mode ${mode} kills ${KILL_MODE_HELP[mode]}.`;
  if (typeof value !== 'string') return `kube-monkey/kill-value must be a string (quote it: '${String(value)}'); label values are strings.`;
  if (!/^-?[0-9]+$/.test(value)) return `kube-monkey/kill-value must be a whole number (got "${value}").`;
  const n = Number(value);
  if (n <= 0) return `kube-monkey/kill-value must be greater than 0 (got ${n}).`;
  if (isPercentMode(mode) && n > 100) return `kube-monkey/kill-value is a percentage in ${mode} mode: at most 100 (got ${n}).`;
  return undefined;
}

/** Validates user input for the labels; throws a UserError naming the first problem. */
export function validateLabels(l: KubeMonkeyLabels): void {
  if (!/^[a-z0-9A-Z]([-a-z0-9A-Z_.]{0,61}[a-z0-9A-Z])?$/.test(l.identifier)) {
    throw new UserError(`"${l.identifier}" is not a valid label value for kube-monkey/identifier.`, 'BadKubeMonkeyLabels');
  }
  const problem = mtbfProblem(String(l.mtbf)) ?? killModeProblem(l.killMode) ?? killValueProblem(l.killMode, l.killValue === undefined ? undefined : String(l.killValue));
  if (problem) throw new UserError(problem, 'BadKubeMonkeyLabels');
}

/** The Deployment labels of the contract (strings, as label values must be). */
export function deploymentLabels(l: KubeMonkeyLabels): Record<string, string> {
  return {
    [LABEL.enabled]: ENABLED_VALUE,
    [LABEL.identifier]: l.identifier,
    [LABEL.mtbf]: String(l.mtbf),
    [LABEL.killMode]: l.killMode,
    ...(l.killMode === 'kill-all' ? {} : { [LABEL.killValue]: String(l.killValue) }),
  };
}

/** The pod template labels of the contract. */
export function templateLabels(l: KubeMonkeyLabels): Record<string, string> {
  return { [LABEL.enabled]: ENABLED_VALUE, [LABEL.identifier]: l.identifier };
}

/**
 * A JSON merge patch (application/merge-patch+json) that sets exactly the contract: the five Deployment labels
 * (kill-value removed for kill-all) and identifier + enabled on the pod template. Other labels are untouched.
 * Changing the template labels rolls the pods (a new ReplicaSet).
 */
export function labelsPatch(l: KubeMonkeyLabels): { metadata: { labels: Record<string, string | null> }; spec: { template: { metadata: { labels: Record<string, string> } } } } {
  validateLabels(l);
  const labels: Record<string, string | null> = deploymentLabels(l);
  if (l.killMode === 'kill-all') labels[LABEL.killValue] = null;
  return { metadata: { labels }, spec: { template: { metadata: { labels: templateLabels(l) } } } };
}

/** The opt-in labels a Deployment carries (undefined when it is not opted in). */
export function readLabels(d: { metadata?: { labels?: Record<string, string> }; spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }): (Partial<KubeMonkeyLabels> & { templateIdentifier?: string }) | undefined {
  const l = d.metadata?.labels ?? {};
  if (l[LABEL.enabled] !== ENABLED_VALUE) return undefined;
  return {
    identifier: l[LABEL.identifier],
    mtbf: l[LABEL.mtbf] !== undefined ? Number(l[LABEL.mtbf]) : undefined,
    killMode: isKillMode(l[LABEL.killMode]) ? (l[LABEL.killMode] as KillMode) : undefined,
    killValue: l[LABEL.killValue] !== undefined ? Number(l[LABEL.killValue]) : undefined,
    templateIdentifier: d.spec?.template?.metadata?.labels?.[LABEL.identifier],
  };
}

// ---------------------------------------------------------------------------------------------------------
// config.toml

export type TomlValue = string | number | boolean | string[];

export interface TomlEntry {
  section: string;
  key: string;
  value: TomlValue;
  /** 0-based line of the entry in the TOML text; columns of the key and of the value. */
  line: number;
  keyColumn: number;
  valueColumn: number;
  valueEnd: number;
}

export interface TomlProblem {
  line: number;
  column: number;
  endColumn: number;
  message: string;
  code: string;
  severity: 'error' | 'warning' | 'info';
  /** A quick fix: the TOML text to put in place of line:column–endColumn (e.g. a suggested time zone, quoted). */
  replacement?: { title: string; text: string };
}

/** Parses the TOML subset kube-monkey's config uses, keeping where every entry is. */
export function parseToml(text: string): { entries: TomlEntry[]; problems: TomlProblem[] } {
  const entries: TomlEntry[] = [];
  const problems: TomlProblem[] = [];
  let section = '';
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, line) => {
    const stripped = stripComment(raw);
    const trimmed = stripped.trim();
    if (!trimmed) return;
    const indent = stripped.length - stripped.trimStart().length;
    const header = /^\[\s*([A-Za-z0-9_.-]+)\s*\]$/.exec(trimmed);
    if (header) {
      section = header[1];
      return;
    }
    const kv = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(trimmed);
    if (!kv) {
      problems.push({ line, column: indent, endColumn: indent + trimmed.length, message: `Not a TOML key = value line: ${trimmed}`, code: 'km-toml-syntax', severity: 'error' });
      return;
    }
    const valueText = kv[2].trim();
    const valueColumn = indent + trimmed.indexOf(kv[2]);
    const value = parseTomlValue(valueText);
    if (value === undefined) {
      problems.push({ line, column: valueColumn, endColumn: valueColumn + valueText.length, message: `Cannot read the value of ${kv[1]}: ${valueText}`, code: 'km-toml-syntax', severity: 'error' });
      return;
    }
    entries.push({ section, key: kv[1], value, line, keyColumn: indent, valueColumn, valueEnd: valueColumn + valueText.length });
  });
  return { entries, problems };
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

function parseTomlValue(v: string): TomlValue | undefined {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^[+-]?[0-9][0-9_]*$/.test(v)) return Number(v.replace(/_/g, ''));
  const str = parseTomlString(v);
  if (str !== undefined) return str;
  if (v.startsWith('[') && v.endsWith(']')) {
    const inner = v.slice(1, -1).trim();
    if (!inner) return [];
    const items = inner.split(',').map((s) => s.trim()).filter((s, i, all) => s !== '' || i !== all.length - 1);
    const out: string[] = [];
    for (const item of items) {
      const s = parseTomlString(item);
      if (s === undefined) return undefined;
      out.push(s);
    }
    return out;
  }
  return undefined;
}

function parseTomlString(v: string): string | undefined {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    try {
      return JSON.parse(v) as string;
    } catch {
      return undefined;
    }
  }
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1);
  return undefined;
}

export interface KubeMonkeyConfig {
  dryRun: boolean;
  runHour: number;
  startHour: number;
  endHour: number;
  timeZone: string;
  whitelistedNamespaces: string[];
  blacklistedNamespaces: string[];
  gracePeriodSeconds: number;
  debug?: { enabled: boolean; scheduleImmediateKill: boolean; scheduleDelaySeconds?: number };
}

export const DEFAULT_CONFIG: KubeMonkeyConfig = {
  dryRun: true,
  runHour: 8,
  startHour: 10,
  endHour: 16,
  timeZone: 'Asia/Singapore',
  whitelistedNamespaces: ['sock-shop'],
  blacklistedNamespaces: ['kube-system'],
  gracePeriodSeconds: 10,
};

let zones: Set<string> | undefined;

/** Whether tz is an IANA time zone name this runtime knows (Intl's list plus what Intl.DateTimeFormat accepts). */
export function isIanaZone(tz: string): boolean {
  if (!tz || typeof tz !== 'string') return false;
  zones ??= new Set((Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? []);
  if (zones.has(tz)) return true;
  if (!/^[A-Za-z]+(?:[/_+-][A-Za-z0-9_+-]+)*$/.test(tz) && tz !== 'UTC') return false;
  try {
    // Accepts canonical aliases (e.g. "UTC", "Asia/Calcutta") that supportedValuesOf leaves out.
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** A close valid zone for a bad one (e.g. "Singapore/Singapore" → "Asia/Singapore"). */
export function suggestZone(tz: string): string | undefined {
  zones ??= new Set((Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? []);
  const city = tz.split('/').pop()?.toLowerCase().replace(/\s+/g, '_');
  if (!city) return undefined;
  return [...zones].find((z) => z.split('/').pop()?.toLowerCase() === city);
}

/** Problems of a config.toml text (lines are 0-based lines of the TOML). */
export function checkConfigToml(text: string): TomlProblem[] {
  const { entries, problems } = parseToml(text);
  const get = (section: string, key: string) => entries.find((e) => e.section === section && e.key === key);
  const at = (e: TomlEntry, message: string, code: string, severity: TomlProblem['severity'] = 'error'): TomlProblem => ({
    line: e.line,
    column: e.valueColumn,
    endColumn: e.valueEnd,
    message,
    code,
    severity,
  });
  const tz = get('kubemonkey', 'time_zone');
  if (tz) {
    if (typeof tz.value !== 'string' || !isIanaZone(tz.value)) {
      const hint = typeof tz.value === 'string' ? suggestZone(tz.value) : undefined;
      const p = at(tz, `time_zone ${JSON.stringify(tz.value)} is not an IANA time zone: kube-monkey exits at start.` + (hint ? ` Did you mean "${hint}"?` : ' Use a name like "Asia/Singapore".'), 'km-time-zone');
      if (hint) p.replacement = { title: `Change time_zone to "${hint}"`, text: JSON.stringify(hint) };
      problems.push(p);
    }
  }
  const hours = (['run_hour', 'start_hour', 'end_hour'] as const).map((k) => get('kubemonkey', k));
  for (const h of hours) {
    if (h && (typeof h.value !== 'number' || h.value < 0 || h.value > 23)) problems.push(at(h, `${h.key} must be an hour from 0 to 23 (got ${JSON.stringify(h.value)}).`, 'km-hours-order'));
  }
  const [run, start, end] = hours;
  const n = (e: TomlEntry | undefined, d: number) => (e && typeof e.value === 'number' ? e.value : d);
  const r = n(run, DEFAULT_CONFIG.runHour);
  const s = n(start, DEFAULT_CONFIG.startHour);
  const en = n(end, DEFAULT_CONFIG.endHour);
  if ((run || start) && r > s) {
    problems.push(at((run ?? start)!, `run_hour (${r}) must not be after start_hour (${s}): kube-monkey plans the day's kills at run_hour, before the first one.`, 'km-hours-order'));
  }
  if ((start || end) && s >= en) {
    problems.push(at((end ?? start)!, `start_hour (${s}) must be before end_hour (${en}): no kill could be scheduled.`, 'km-hours-order'));
  }
  const anyKm = entries.some((e) => e.section === 'kubemonkey');
  if (anyKm && !get('kubemonkey', 'dry_run')) {
    const first = entries.find((e) => e.section === 'kubemonkey')!;
    problems.push({
      line: first.line,
      column: first.keyColumn,
      endColumn: first.valueEnd,
      message: 'dry_run is not set: kube-monkey defaults to dry_run = true and kills nothing. Set it explicitly (true or false).',
      code: 'km-dry-run-implicit',
      severity: 'info',
    });
  }
  return problems;
}

/** Reads a config.toml into the model (throws a UserError on the first error). */
export function parseConfigToml(text: string): KubeMonkeyConfig {
  const errors = checkConfigToml(text).filter((p) => p.severity === 'error');
  if (errors.length) throw new UserError(`config.toml line ${errors[0].line + 1}: ${errors[0].message}`, 'BadKubeMonkeyConfig');
  const { entries } = parseToml(text);
  const get = <T extends TomlValue>(section: string, key: string, d: T): T => {
    const e = entries.find((x) => x.section === section && x.key === key);
    return e && typeof e.value === typeof d ? (e.value as T) : d;
  };
  const c: KubeMonkeyConfig = {
    dryRun: get('kubemonkey', 'dry_run', DEFAULT_CONFIG.dryRun),
    runHour: get('kubemonkey', 'run_hour', DEFAULT_CONFIG.runHour),
    startHour: get('kubemonkey', 'start_hour', DEFAULT_CONFIG.startHour),
    endHour: get('kubemonkey', 'end_hour', DEFAULT_CONFIG.endHour),
    timeZone: get('kubemonkey', 'time_zone', 'America/Los_Angeles'),
    whitelistedNamespaces: get<string[]>('kubemonkey', 'whitelisted_namespaces', []),
    blacklistedNamespaces: get<string[]>('kubemonkey', 'blacklisted_namespaces', []),
    gracePeriodSeconds: get('kubemonkey', 'graceperiod_sec', 5),
  };
  if (entries.some((e) => e.section === 'debug')) {
    c.debug = {
      enabled: get('debug', 'enabled', false),
      scheduleImmediateKill: get('debug', 'schedule_immediate_kill', false),
      ...(entries.some((e) => e.section === 'debug' && e.key === 'schedule_delay') ? { scheduleDelaySeconds: get('debug', 'schedule_delay', 30) } : {}),
    };
  }
  return c;
}

/** Checks the model; throws a UserError naming the first problem. kube-system must stay blacklisted. */
export function validateConfig(c: KubeMonkeyConfig): void {
  const bad = (m: string) => new UserError(m, 'BadKubeMonkeyConfig');
  if (!isIanaZone(c.timeZone)) throw bad(`"${c.timeZone}" is not an IANA time zone (e.g. Asia/Singapore).`);
  for (const [k, v] of [['run_hour', c.runHour], ['start_hour', c.startHour], ['end_hour', c.endHour]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 23) throw bad(`${k} must be an hour from 0 to 23 (got ${v}).`);
  }
  if (c.runHour > c.startHour) throw bad(`run_hour (${c.runHour}) must not be after start_hour (${c.startHour}).`);
  if (c.startHour >= c.endHour) throw bad(`start_hour (${c.startHour}) must be before end_hour (${c.endHour}).`);
  if (!c.whitelistedNamespaces.length) throw bad('Name at least one namespace kube-monkey may act in (whitelisted_namespaces).');
  if (c.whitelistedNamespaces.includes('kube-system')) throw bad('kube-system cannot be a kube-monkey target.');
  if (!c.blacklistedNamespaces.includes('kube-system')) throw bad('kube-system must stay in blacklisted_namespaces.');
  if (!Number.isInteger(c.gracePeriodSeconds) || c.gracePeriodSeconds < 0) throw bad(`graceperiod_sec must be a whole number ≥ 0 (got ${c.gracePeriodSeconds}).`);
  if (c.debug?.scheduleDelaySeconds !== undefined && !(c.debug.scheduleDelaySeconds > 0)) throw bad('schedule_delay must be greater than 0.');
}

/** Writes the model as kube-monkey's config.toml (dry_run always explicit). */
export function renderConfigToml(c: KubeMonkeyConfig): string {
  validateConfig(c);
  const list = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
  const lines = [
    '[kubemonkey]',
    '# true: only log what would be killed; false: kill.',
    `dry_run = ${c.dryRun}`,
    "# Plan the day's kills at run_hour on weekdays; kill only between start_hour and end_hour.",
    `run_hour = ${c.runHour}`,
    `start_hour = ${c.startHour}`,
    `end_hour = ${c.endHour}`,
    `time_zone = ${JSON.stringify(c.timeZone)}`,
    `whitelisted_namespaces = ${list(c.whitelistedNamespaces)}`,
    `blacklisted_namespaces = ${list(c.blacklistedNamespaces)}`,
    `graceperiod_sec = ${c.gracePeriodSeconds}`,
  ];
  if (c.debug) {
    lines.push('', '[debug]', `enabled = ${c.debug.enabled}`, `schedule_immediate_kill = ${c.debug.scheduleImmediateKill}`);
    if (c.debug.scheduleDelaySeconds !== undefined) lines.push(`schedule_delay = ${c.debug.scheduleDelaySeconds}`);
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------
// Install objects

export interface InstallOptions {
  /** Namespace kube-monkey itself runs in (default kube-monkey). */
  namespace?: string;
  config: KubeMonkeyConfig;
  image?: string;
}

export const KUBE_MONKEY_NAME = 'kube-monkey';
export const CONFIG_MAP_NAME = 'kube-monkey-config-map';

/** Rules of the Role kube-monkey gets in every namespace it may act in: nothing beyond these. */
export const KUBE_MONKEY_RULES = [
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets'], verbs: ['get', 'list'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'delete'] },
];

/**
 * The install objects, built from the shipped manifests (manifests/kube-monkey: Namespace, ServiceAccount,
 * Role, RoleBinding, ConfigMap, Deployment): the namespace is renamed, the ConfigMap carries the rendered
 * config, and the Role + RoleBinding are repeated for each whitelisted namespace (with the fixed rules above).
 */
export function installObjects(base: KubeObject[], o: InstallOptions): KubeObject[] {
  validateConfig(o.config);
  const ns = o.namespace ?? KUBE_MONKEY_NAME;
  const find = (kind: string) => {
    const f = base.find((x) => x.kind === kind);
    if (!f) throw new UserError(`The kube-monkey manifests have no ${kind}.`, 'BadKubeMonkeyManifests');
    return structuredClone(f);
  };
  const namespace = find('Namespace');
  namespace.metadata.name = ns;
  const sa = find('ServiceAccount');
  sa.metadata.namespace = ns;
  const roleBase = find('Role');
  const bindingBase = find('RoleBinding');
  const roles: KubeObject[] = [];
  for (const target of o.config.whitelistedNamespaces) {
    const role = structuredClone(roleBase);
    role.metadata.namespace = target;
    role.rules = structuredClone(KUBE_MONKEY_RULES);
    const binding = structuredClone(bindingBase);
    binding.metadata.namespace = target;
    binding.roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name };
    binding.subjects = [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: ns }];
    roles.push(role, binding);
  }
  const cm = find('ConfigMap');
  cm.metadata.namespace = ns;
  cm.data = { 'config.toml': renderConfigToml(o.config) };
  const dep = find('Deployment');
  dep.metadata.namespace = ns;
  const spec = dep.spec as { template: { spec: { serviceAccountName?: string; containers: { image?: string }[]; volumes?: { configMap?: { name: string } }[] } } };
  spec.template.spec.serviceAccountName = sa.metadata.name;
  if (o.image) spec.template.spec.containers[0].image = o.image;
  for (const v of spec.template.spec.volumes ?? []) if (v.configMap) v.configMap.name = cm.metadata.name;
  return [namespace, sa, ...roles, cm, dep];
}
