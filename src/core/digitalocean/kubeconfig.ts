// Kubeconfig files for DOKS clusters: merge a cluster's kubeconfig into an existing file under
// doctl's naming (`do-<region>-<name>` for context and cluster, `<context>-admin` for the user), replace
// a context's credentials in place, remove a context with its cluster and user. Edits go through the
// `yaml` package's document model so other entries, ordering and comments survive; files are written
// through a temporary file and a rename, after keeping a backup of the previous content.
import { existsSync, fsyncSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { Document, isMap, isSeq, parseDocument, YAMLMap, YAMLSeq } from 'yaml';
import { UserError } from '../errors';

type Named = { name: string; [k: string]: unknown };

/** The kubeconfig kubectl would use: the first path in KUBECONFIG, else ~/.kube/config. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = (env.KUBECONFIG ?? '').split(delimiter).find((p) => p.trim());
  return first ?? join(homedir(), '.kube', 'config');
}

export function backupPath(path: string): string {
  return `${path}.sock-shop.bak`;
}

interface ParsedEntry {
  context: Named;
  cluster: Named;
  user: Named;
}

/** Picks the (current or only) context of a kubeconfig as returned by DigitalOcean, with its cluster and user. */
export function extractEntry(kubeconfigText: string): ParsedEntry {
  let doc: Document;
  try {
    doc = parseDocument(kubeconfigText);
  } catch (err) {
    throw new UserError(`DigitalOcean returned a kubeconfig that is not YAML: ${(err as Error).message}`, 'BadKubeconfig');
  }
  if (doc.errors.length) throw new UserError(`DigitalOcean returned a kubeconfig that is not valid YAML: ${doc.errors[0].message.split("\n")[0]}`, 'BadKubeconfig');
  const js = doc.toJS() as { contexts?: Named[]; clusters?: Named[]; users?: Named[]; 'current-context'?: string } | null;
  const contexts = js?.contexts ?? [];
  const ctx = contexts.find((c) => c.name === js?.['current-context']) ?? contexts[0];
  if (!ctx) throw new UserError('DigitalOcean returned a kubeconfig without a context.', 'BadKubeconfig');
  const ref = (ctx.context ?? {}) as { cluster?: string; user?: string };
  const cluster = (js?.clusters ?? []).find((c) => c.name === ref.cluster);
  const user = (js?.users ?? []).find((u) => u.name === ref.user);
  if (!cluster || !user) throw new UserError('DigitalOcean returned a kubeconfig whose context lacks its cluster or user.', 'BadKubeconfig');
  return { context: ctx, cluster, user };
}

function emptyConfig(): Document {
  return new Document({ apiVersion: 'v1', kind: 'Config', preferences: {}, clusters: [], contexts: [], users: [], 'current-context': '' });
}

function parseExisting(text: string | undefined, path = 'the kubeconfig'): Document {
  if (text === undefined || text.trim() === '') return emptyConfig();
  const doc = parseDocument(text);
  if (doc.errors.length) throw new UserError(`Cannot update ${path}: it is not valid YAML (${doc.errors[0].message.split("\n")[0]}). Nothing was changed.`, 'BadKubeconfig');
  if (!isMap(doc.contents)) throw new UserError(`Cannot update ${path}: it is not a kubeconfig (no top-level mapping). Nothing was changed.`, 'BadKubeconfig');
  return doc;
}

function seq(doc: Document, key: 'clusters' | 'contexts' | 'users'): YAMLSeq {
  let s = doc.get(key, true);
  if (!isSeq(s)) {
    s = doc.createNode([]) as YAMLSeq;
    doc.set(key, s);
  }
  return s as YAMLSeq;
}

function indexByName(s: YAMLSeq, name: string): number {
  return s.items.findIndex((item) => isMap(item) && (item as YAMLMap).get('name') === name);
}

function upsert(doc: Document, key: 'clusters' | 'contexts' | 'users', value: Named): void {
  const s = seq(doc, key);
  const node = doc.createNode(value);
  const i = indexByName(s, value.name);
  if (i >= 0) s.items[i] = node;
  else s.items.push(node);
}

function removeByName(doc: Document, key: 'clusters' | 'contexts' | 'users', name: string): boolean {
  const s = doc.get(key, true);
  if (!isSeq(s)) return false;
  const i = indexByName(s, name);
  if (i < 0) return false;
  s.items.splice(i, 1);
  return true;
}

export interface MergeOptions {
  /** Make it the current-context (default true). */
  setCurrent?: boolean;
}

/**
 * Returns `existing` with the DOKS kubeconfig's cluster, user and context added (or replaced) under
 * contextName (cluster contextName, user contextName-admin). Other entries are left as they were.
 */
export function mergeKubeconfig(existing: string | undefined, doKubeconfig: string, contextName: string, opts: MergeOptions = {}): string {
  const entry = extractEntry(doKubeconfig);
  const doc = parseExisting(existing);
  const userName = `${contextName}-admin`;
  const ctxBody = { ...((entry.context.context ?? {}) as Record<string, unknown>), cluster: contextName, user: userName };
  upsert(doc, 'clusters', { name: contextName, cluster: entry.cluster.cluster });
  upsert(doc, 'users', { name: userName, user: entry.user.user });
  upsert(doc, 'contexts', { name: contextName, context: ctxBody });
  if (opts.setCurrent !== false) doc.set('current-context', contextName);
  if (!doc.has('apiVersion')) doc.set('apiVersion', 'v1');
  if (!doc.has('kind')) doc.set('kind', 'Config');
  return doc.toString();
}

/** Names the context's cluster and user entries, if the context exists. */
export function contextRefs(text: string | undefined, contextName: string): { cluster?: string; user?: string } | undefined {
  if (!text) return undefined;
  const doc = parseExisting(text);
  const s = doc.get('contexts', true);
  if (!isSeq(s)) return undefined;
  const i = indexByName(s, contextName);
  if (i < 0) return undefined;
  const ctx = (s.items[i] as YAMLMap).toJSON() as { context?: { cluster?: string; user?: string } };
  return { cluster: ctx.context?.cluster, user: ctx.context?.user };
}

export function hasContext(text: string | undefined, contextName: string): boolean {
  return contextRefs(text, contextName) !== undefined;
}

/**
 * Replaces the credentials of contextName's user (and its cluster's server/CA) with those of a fresh
 * DOKS kubeconfig, in place. Throws if the context is not there.
 */
export function replaceCredentials(existing: string, contextName: string, doKubeconfig: string): string {
  const refs = contextRefs(existing, contextName);
  if (!refs?.user) throw new UserError(`The kubeconfig has no context "${contextName}" to refresh; connect to the cluster first.`, 'NoContext');
  const entry = extractEntry(doKubeconfig);
  const doc = parseExisting(existing);
  const users = seq(doc, 'users');
  const ui = indexByName(users, refs.user);
  const userNode = doc.createNode(entry.user.user);
  if (ui >= 0) (users.items[ui] as YAMLMap).set('user', userNode);
  else users.items.push(doc.createNode({ name: refs.user, user: entry.user.user }));
  if (refs.cluster) {
    const clusters = seq(doc, 'clusters');
    const ci = indexByName(clusters, refs.cluster);
    if (ci >= 0) (clusters.items[ci] as YAMLMap).set('cluster', doc.createNode(entry.cluster.cluster));
  }
  return doc.toString();
}

/**
 * Removes contextName and, unless another context still uses them, its cluster and user.
 * Clears current-context if it pointed there.
 */
export function removeContext(existing: string, contextName: string): { text: string; removed: boolean } {
  const refs = contextRefs(existing, contextName);
  if (!refs) return { text: existing, removed: false };
  const doc = parseExisting(existing);
  removeByName(doc, 'contexts', contextName);
  const remaining = (doc.toJS() as { contexts?: { context?: { cluster?: string; user?: string } }[] }).contexts ?? [];
  if (refs.cluster && !remaining.some((c) => c.context?.cluster === refs.cluster)) removeByName(doc, 'clusters', refs.cluster);
  if (refs.user && !remaining.some((c) => c.context?.user === refs.user)) removeByName(doc, 'users', refs.user);
  if (doc.get('current-context') === contextName) doc.set('current-context', '');
  return { text: doc.toString(), removed: true };
}

export function readKubeconfigFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw new UserError(`Cannot read ${path}: ${(err as Error).message}`, 'KubeconfigUnreadable');
  }
}

/** Writes text to path through a 0600 temporary file in the same directory, fsynced, then renamed over path. */
function writeAtomic0600(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  // The mode is given at creation: the file never exists with wider permissions, not even for a moment.
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes text to path safely: the previous content is kept in <path>.sock-shop.bak (written 0600 from the
 * start, like the file itself), the new content goes to a temporary file in the same directory (mode 0600,
 * fsynced) that is then renamed over path, so a crash leaves either the old or the new file, never half of one.
 */
export function writeKubeconfigFile(path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (existsSync(path)) writeAtomic0600(backupPath(path), readFileSync(path, 'utf8'));
    writeAtomic0600(path, text);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`Cannot write ${path}: ${(err as Error).message}`, 'KubeconfigUnwritable');
  }
}

/**
 * Removes a context (with its cluster and user, so its token) from path and from path's backup: a
 * destroyed cluster's credentials must not survive in <path>.sock-shop.bak. Returns whether path changed.
 */
export function removeContextFromFile(path: string, contextName: string): boolean {
  const changed = updateKubeconfigFile(path, (text) => (text === undefined ? undefined : removeContext(text, contextName).text));
  const backup = backupPath(path);
  const old = readKubeconfigFile(backup);
  if (old !== undefined) {
    let scrubbed: string | undefined;
    try {
      const r = removeContext(old, contextName);
      scrubbed = r.removed ? r.text : undefined;
    } catch {
      // A backup that no longer parses cannot be scrubbed entry by entry; if it names the context, it goes.
      scrubbed = old.includes(contextName) ? '' : undefined;
    }
    if (scrubbed === '') rmSync(backup, { force: true });
    else if (scrubbed !== undefined) {
      try {
        writeAtomic0600(backup, scrubbed);
      } catch (err) {
        throw new UserError(`Cannot write ${backup}: ${(err as Error).message}`, 'KubeconfigUnwritable');
      }
    }
  }
  return changed;
}

/** Reads, transforms and writes a kubeconfig file (missing file = empty config). */
export function updateKubeconfigFile(path: string, change: (text: string | undefined) => string | undefined): boolean {
  const before = readKubeconfigFile(path);
  const after = change(before);
  if (after === undefined || after === before) return false;
  writeKubeconfigFile(path, after);
  return true;
}
