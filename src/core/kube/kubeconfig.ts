// Loading kubeconfig files the way kubectl does.
//
// Where from: the `sockShop.kubeconfigPath` setting if set; else every path in KUBECONFIG (merged);
// else ~/.kube/config.
// How several files merge (kubectl's rules): for clusters, users and contexts the first file that
// defines a name wins, later definitions of the same name are ignored; the first non-empty
// current-context wins. Relative file references (certificate-authority, client-certificate,
// client-key, token-file, an exec command given as a relative path) are resolved against the
// directory of the file that names them, before merging.
//
// client-node's own KubeConfig.mergeConfig throws on duplicate names and lets the last
// current-context win, so the merge is done here on the parsed YAML and the result is handed to
// client-node as one document (exec plugins, tokens and certificates stay as they were).
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import { UserError } from '../errors';

type Named = { name?: unknown; [k: string]: unknown };

/** A kubeconfig document as parsed from YAML; only the parts the merge looks at are typed. */
export interface RawKubeconfig {
  apiVersion?: string;
  kind?: string;
  'current-context'?: string;
  clusters?: Named[];
  users?: Named[];
  contexts?: Named[];
  preferences?: unknown;
  [k: string]: unknown;
}

export type KubeconfigOrigin = 'setting' | 'KUBECONFIG' | 'default';

export interface KubeconfigSource {
  origin: KubeconfigOrigin;
  /** Paths to read, in precedence order. Missing files in KUBECONFIG are skipped (as kubectl does). */
  paths: string[];
}

export interface LocateOptions {
  /** The sockShop.kubeconfigPath setting (may be empty). */
  settingPath?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** Which files make up the kubeconfig, in precedence order. */
export function kubeconfigSource(opts: LocateOptions = {}): KubeconfigSource {
  const env = opts.env ?? process.env;
  const setting = opts.settingPath?.trim();
  if (setting) return { origin: 'setting', paths: [expandHome(setting, opts.home)] };
  const kubeconfigEnv = env.KUBECONFIG;
  if (kubeconfigEnv && kubeconfigEnv.trim()) {
    const seen = new Set<string>();
    const paths: string[] = [];
    for (const p of kubeconfigEnv.split(delimiter)) {
      if (!p.trim()) continue;
      const full = resolve(expandHome(p.trim(), opts.home));
      if (seen.has(full)) continue; // kubectl de-duplicates the list
      seen.add(full);
      paths.push(full);
    }
    if (paths.length) return { origin: 'KUBECONFIG', paths };
  }
  return { origin: 'default', paths: [join(opts.home ?? homedir(), '.kube', 'config')] };
}

/** Where the kubeconfig comes from, for people: "KUBECONFIG (a, b)", "sockShop.kubeconfigPath (p)", "~/.kube/config". */
export function describeKubeconfigSource(src: KubeconfigSource): string {
  if (src.origin === 'KUBECONFIG') return `KUBECONFIG (${src.paths.join(', ')})`;
  if (src.origin === 'setting') return `sockShop.kubeconfigPath (${src.paths[0]})`;
  return `${src.paths[0]} (the default)`;
}

function expandHome(p: string, home?: string): string {
  if (p === '~' || p.startsWith('~/')) return join(home ?? homedir(), p.slice(1));
  return p;
}

const CLUSTER_PATH_KEYS = ['certificate-authority'];
const USER_PATH_KEYS = ['client-certificate', 'client-key', 'token-file'];

function resolveAgainst(dir: string, p: unknown): unknown {
  if (typeof p !== 'string' || p === '' || isAbsolute(p)) return p;
  return resolve(dir, expandHome(p));
}

/** Resolves a document's relative file references against `dir`, returning a new document. */
export function resolveRelativePaths(doc: RawKubeconfig, dir: string): RawKubeconfig {
  const mapEntries = (list: Named[] | undefined, field: 'cluster' | 'user', keys: string[]) =>
    list?.map((entry) => {
      const inner = entry?.[field];
      if (!inner || typeof inner !== 'object') return entry;
      const copy: Record<string, unknown> = { ...(inner as Record<string, unknown>) };
      for (const k of keys) if (k in copy) copy[k] = resolveAgainst(dir, copy[k]);
      if (field === 'user' && copy.exec && typeof copy.exec === 'object') {
        const exec = { ...(copy.exec as Record<string, unknown>) };
        // Like kubectl: an exec command that is a relative path (has a separator) is relative to
        // the kubeconfig; a bare name (doctl) is looked up on PATH.
        if (typeof exec.command === 'string' && !isAbsolute(exec.command) && (exec.command.includes('/') || exec.command.includes(sep))) {
          exec.command = resolve(dir, exec.command);
        }
        copy.exec = exec;
      }
      return { ...entry, [field]: copy };
    });
  return {
    ...doc,
    clusters: mapEntries(doc.clusters, 'cluster', CLUSTER_PATH_KEYS),
    users: mapEntries(doc.users, 'user', USER_PATH_KEYS),
  };
}

/**
 * Merges parsed kubeconfig documents (already path-resolved) in precedence order:
 * the first definition of a name wins; the first non-empty current-context wins.
 */
export function mergeKubeconfigs(docs: RawKubeconfig[]): RawKubeconfig {
  const merged: RawKubeconfig = { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] };
  const add = (key: 'clusters' | 'users' | 'contexts', list: Named[] | undefined) => {
    if (!Array.isArray(list)) return;
    const target = merged[key]!;
    for (const entry of list) {
      if (!entry || typeof entry.name !== 'string' || entry.name === '') continue;
      if (target.some((e) => e.name === entry.name)) continue;
      target.push(entry);
    }
  };
  for (const doc of docs) {
    if (!doc || typeof doc !== 'object') continue;
    const cc = doc['current-context'];
    if (!merged['current-context'] && typeof cc === 'string' && cc !== '') merged['current-context'] = cc;
    if (merged.preferences === undefined && doc.preferences !== undefined) merged.preferences = doc.preferences;
    add('clusters', doc.clusters);
    add('users', doc.users);
    add('contexts', doc.contexts);
  }
  return merged;
}

export interface LoadedKubeconfig {
  /** The client-node config, with the chosen context set as current. */
  kc: KubeConfig;
  source: KubeconfigSource;
  /** The files actually read. */
  files: string[];
  /** Context names, in file order. */
  contexts: string[];
  /** The kubeconfig's own current-context (after merging), if any. */
  fileCurrentContext: string | undefined;
  /** The context in use. */
  context: string;
}

export interface LoadOptions extends LocateOptions {
  /** Context to use instead of the kubeconfig's current-context (the sockShop.context setting). */
  context?: string;
  /** Reads a file; defaults to fs. Tests pass their own. */
  readFile?: (path: string) => string;
  exists?: (path: string) => boolean;
}

/** Reads, merges and loads the kubeconfig. Throws UserError when there is none or the context is unknown. */
export function loadKubeconfig(opts: LoadOptions = {}): LoadedKubeconfig {
  const source = kubeconfigSource(opts);
  const exists = opts.exists ?? existsSync;
  const read = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const docs: RawKubeconfig[] = [];
  const files: string[] = [];
  for (const p of source.paths) {
    if (!exists(p)) {
      if (source.origin === 'setting') {
        throw new UserError(
          `The kubeconfig file ${p} set in sockShop.kubeconfigPath does not exist. Fix the setting, or clear it to use KUBECONFIG or ~/.kube/config.`,
          'MissingKubeconfigFile',
        );
      }
      continue;
    }
    let doc: unknown;
    try {
      doc = parse(read(p)) ?? {};
    } catch (err) {
      throw new UserError(`The kubeconfig file ${p} is not valid YAML: ${(err as Error).message.split('\n')[0]}`, 'InvalidKubeconfig');
    }
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      throw new UserError(`The kubeconfig file ${p} is not a kubeconfig (expected a mapping).`, 'InvalidKubeconfig');
    }
    docs.push(resolveRelativePaths(doc as RawKubeconfig, dirname(p)));
    files.push(p);
  }
  if (!files.length) throw noKubeconfig(source);
  const merged = mergeKubeconfigs(docs);
  const contexts = (merged.contexts ?? []).map((c) => String(c.name));
  if (!contexts.length) {
    throw new UserError(`The kubeconfig (${files.join(', ')}) has no contexts. Create or connect a cluster first.`, 'NoKubeconfig');
  }
  const fileCurrentContext = merged['current-context'];
  const wanted = opts.context?.trim() || fileCurrentContext;
  if (!wanted) {
    throw new UserError(
      `The kubeconfig has no current-context. Pick one with "Select Kubernetes Context" (available: ${contexts.join(', ')}).`,
      'NoContext',
    );
  }
  if (!contexts.includes(wanted)) throw unknownContext(wanted, contexts);
  const kc = kubeConfigFrom(merged, files);
  kc.setCurrentContext(wanted);
  return { kc, source, files, contexts, fileCurrentContext, context: wanted };
}

/** Builds a client-node KubeConfig from a merged document. */
export function kubeConfigFrom(merged: RawKubeconfig, files: string[] = []): KubeConfig {
  const kc = new KubeConfig();
  try {
    // The document goes through client-node's own parser so exec, token, token-file and
    // auth-provider users behave exactly as client-node implements them. Entries client-node
    // cannot use (e.g. a cluster without a server) are dropped instead of failing the whole load.
    kc.loadFromString(JSON.stringify(merged), { onInvalidEntry: 'filter' });
  } catch (err) {
    throw new UserError(
      `The kubeconfig (${files.join(', ') || 'merged'}) could not be loaded: ${(err as Error).message}`,
      'InvalidKubeconfig',
    );
  }
  return kc;
}

export function noKubeconfig(source: KubeconfigSource): UserError {
  const where =
    source.origin === 'KUBECONFIG'
      ? `none of the files in KUBECONFIG exist (${source.paths.join(delimiter)})`
      : `${source.paths[0]} does not exist`;
  return new UserError(
    `No kubeconfig found: ${where}. Create a DOKS cluster (or connect one) to get a kubeconfig, or set sockShop.kubeconfigPath.`,
    'NoKubeconfig',
  );
}

export function unknownContext(name: string, contexts: string[]): UserError {
  return new UserError(
    `The kubeconfig has no context named "${name}". Available: ${contexts.join(', ') || 'none'}. Pick one with "Select Kubernetes Context".`,
    'UnknownContext',
  );
}

/** The context's cluster server URL, for messages. */
export function serverOf(kc: KubeConfig): string | undefined {
  return kc.getCurrentCluster()?.server;
}

/**
 * Problems visible without contacting the cluster: an expired (or not yet valid) client
 * certificate. Returns a UserError to show, or undefined.
 */
export function credentialProblem(kc: KubeConfig, now: Date = new Date()): UserError | undefined {
  const user = kc.getCurrentUser();
  const context = kc.getCurrentContext();
  if (!user) return undefined;
  let pem: string | undefined;
  try {
    if (user.certData) pem = Buffer.from(user.certData, 'base64').toString('utf8');
    else if (user.certFile && existsSync(user.certFile)) pem = readFileSync(user.certFile, 'utf8');
  } catch {
    return undefined;
  }
  if (!pem) return undefined;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return undefined;
  }
  const notAfter = new Date(cert.validTo);
  const notBefore = new Date(cert.validFrom);
  if (now > notAfter) {
    return new UserError(
      `The client certificate of context "${context}" expired on ${notAfter.toISOString()}. ${refreshAdvice(context)}`,
      'ExpiredCredentials',
    );
  }
  if (now < notBefore) {
    return new UserError(
      `The client certificate of context "${context}" is not valid until ${notBefore.toISOString()} (check the clock).`,
      'InvalidCredentials',
    );
  }
  return undefined;
}

/** What to do about expired or rejected credentials for this context. */
export function refreshAdvice(context: string): string {
  if (context.startsWith('do-')) {
    return 'DigitalOcean kubeconfigs expire after 7 days: run "Refresh Credentials" on the cluster in the DigitalOcean view.';
  }
  return 'Get fresh credentials for the cluster (a new kubeconfig) and try again.';
}
