// Every `sockShop.*` setting, typed, with its default stated once, and the rule that keeps a workspace from
// turning the extension against its user: the settings that carry credentials somewhere (API and Grafana
// URLs), run code (a kubeconfig can name an exec plugin) or loosen a safety guard (kube-system, chaos and
// load bounds) are machine-scoped in package.json, and their workspace and folder values are ignored here
// too, whatever VS Code's own filtering did. package.json is checked against this table by a unit test.

import { TIME_RANGES, type TimeRange } from '../common/contracts/metrics';

export type SettingScope = 'machine' | 'window' | 'resource';

interface Def<T> {
  /** The default, as package.json states it. */
  readonly default: T;
  /** package.json `scope`; 'machine' settings are read from user settings only. */
  readonly scope: SettingScope;
  /** Checks a configured value; a value that fails falls back to the default (and is logged). */
  readonly valid: (v: unknown) => v is T;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const positiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const nonNegativeOrNull = (v: unknown): v is number | null => v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 0);
const stringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string' && x.trim() !== '');

export const SETTINGS = {
  kubeconfigPath: { default: '', scope: 'machine', valid: isString } as Def<string>,
  context: { default: '', scope: 'window', valid: isString } as Def<string>,
  namespace: { default: 'sock-shop', scope: 'window', valid: (v: unknown): v is string => isString(v) && v.trim() !== '' } as Def<string>,
  'killPod.gracePeriodSeconds': { default: null, scope: 'window', valid: nonNegativeOrNull } as Def<number | null>,
  allowKubeSystem: { default: false, scope: 'machine', valid: isBoolean } as Def<boolean>,
  'digitalocean.apiUrl': { default: 'https://api.digitalocean.com/v2', scope: 'machine', valid: isString } as Def<string>,
  'digitalocean.region': { default: 'sgp1', scope: 'window', valid: (v: unknown): v is string => isString(v) && v.trim() !== '' } as Def<string>,
  'prometheus.url': { default: '', scope: 'machine', valid: isString } as Def<string>,
  'grafana.url': { default: '', scope: 'machine', valid: isString } as Def<string>,
  'metrics.refreshSeconds': { default: 5, scope: 'window', valid: positiveInt } as Def<number>,
  'metrics.defaultRange': { default: '1h', scope: 'window', valid: (v: unknown): v is TimeRange => (TIME_RANGES as readonly unknown[]).includes(v) } as Def<TimeRange>,
  'load.maxRequests': { default: 100_000, scope: 'machine', valid: positiveInt } as Def<number>,
  'load.maxDurationSeconds': { default: 600, scope: 'machine', valid: positiveInt } as Def<number>,
  'chaos.namespaceAllowlist': { default: ['sock-shop'], scope: 'machine', valid: stringList } as Def<string[]>,
  'chaos.maxPodsPerKill': { default: 3, scope: 'machine', valid: positiveInt } as Def<number>,
} as const;

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = (typeof SETTINGS)[K] extends Def<infer T> ? T : never;

/** The keys whose workspace and folder values never count. */
export const MACHINE_SETTINGS = (Object.keys(SETTINGS) as SettingKey[]).filter((k) => SETTINGS[k].scope === 'machine');

/** What `WorkspaceConfiguration.inspect()` reports for one key (the fields we use). */
export interface Inspected {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

export interface Resolved<T> {
  value: T;
  /** Where the value came from. */
  from: 'default' | 'user' | 'workspace';
  /** Set when a configured value was not used: the reason, for the log (never holds the value of a URL's credentials). */
  ignored?: string;
}

/**
 * The value of one setting from what VS Code reports. Machine-scoped keys use the user value only; a
 * workspace or folder value of theirs is reported as ignored. Other keys follow VS Code's order (folder,
 * workspace, user, default). An invalid value falls back to the next source.
 */
export function resolveSetting<K extends SettingKey>(key: K, inspected: Inspected | undefined): Resolved<SettingValue<K>> {
  const def = SETTINGS[key] as unknown as Def<SettingValue<K>>;
  const notes: string[] = [];
  const workspaceSet = inspected?.workspaceFolderValue !== undefined || inspected?.workspaceValue !== undefined;
  const candidates: [unknown, 'user' | 'workspace'][] = [];
  if (def.scope === 'machine') {
    if (workspaceSet) notes.push(`a workspace value of sockShop.${key} is ignored: this setting is read from user settings only`);
  } else {
    candidates.push([inspected?.workspaceFolderValue, 'workspace'], [inspected?.workspaceValue, 'workspace']);
  }
  candidates.push([inspected?.globalValue, 'user']);
  for (const [value, from] of candidates) {
    if (value === undefined) continue;
    if (def.valid(value)) return { value, from, ...(notes.length ? { ignored: notes.join('; ') } : {}) };
    notes.push(`sockShop.${key} has an invalid ${from} value (${describeType(value)}); using ${from === 'workspace' ? 'the next one' : 'the default'}`);
  }
  return { value: clone(def.default), from: 'default', ...(notes.length ? { ignored: notes.join('; ') } : {}) };
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'number') return `the number ${v}`;
  return `a ${typeof v}`;
}

function clone<T>(v: T): T {
  return Array.isArray(v) ? ([...v] as T) : v;
}

/** True for a host name or address on this machine's loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (v4) return Number(v4[1]) === 127 && v4.slice(2).every((o) => Number(o) <= 255);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(h);
  return mapped ? isLoopbackHost(mapped[1]) : false;
}

export type EndpointCheck = { ok: true; url: URL } | { ok: false; message: string };

/**
 * The rule for an endpoint that will receive a credential (the DigitalOcean token, the Grafana password):
 * `https:` anywhere, `http:` only to loopback, nothing else. `what` names the setting or the service in the
 * message.
 */
export function checkCredentialEndpoint(raw: string, what: string): EndpointCheck {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, message: `${what} is not a URL: "${truncate(raw.trim())}".` };
  }
  if (url.username || url.password) return { ok: false, message: `${what} must not carry a user name or password in the URL.` };
  if (url.protocol === 'https:') return { ok: true, url };
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname)) return { ok: true, url };
    return {
      ok: false,
      message: `${what} uses plain http to ${url.hostname}, which would send credentials unencrypted over the network: use https, or http only to this machine (localhost, 127.0.0.0/8).`,
    };
  }
  return { ok: false, message: `${what} must be an http(s) URL (got ${url.protocol.replace(/:$/, '')}:).` };
}

function truncate(s: string, max = 80): string {
  const cps = [...s];
  return cps.length > max ? `${cps.slice(0, max).join('')}…` : s;
}
