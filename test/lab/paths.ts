// Where the lab keeps things: the versioned binary cache (shared by every checkout on the machine)
// and the state directory of one lab (SOCK_SHOP_LAB_HOME, default <repo>/.lab).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/**
 * Third-party data the lab and the tests read (DigitalOcean's OpenAPI spec, kube-prometheus dashboards and
 * rules, the original Sock Shop manifest): test/lab/reference, see its README for origins and licence.
 * SOCK_SHOP_LAB_REFERENCE points at another directory holding the same files.
 */
export function referenceDir(): string {
  return resolve(process.env.SOCK_SHOP_LAB_REFERENCE || join(REPO_ROOT, 'test', 'lab', 'reference'));
}

/** A file of the reference data; fails with the path and the way to fix it when the file is missing. */
export function referenceFile(name: string): string {
  const file = join(referenceDir(), name);
  if (!existsSync(file)) {
    throw new Error(
      `reference data missing: ${file} (it ships in test/lab/reference; SOCK_SHOP_LAB_REFERENCE overrides the directory)`,
    );
  }
  return file;
}

/** Versions of everything the lab builds; each one is part of the cache key. */
export const VERSIONS = {
  kubernetes: '1.33.13',
  kwok: '0.7.0',
  /**
   * The metrics-server release on the same Kubernetes libraries (0.33) as the other two, so one build shares
   * them (kwokctl 0.7.0's own default is 0.7.2, on 0.29; its component template's flags are 0.8.0's too).
   */
  metricsServer: '0.8.0',
  /**
   * The newest kube-state-metrics the Go module proxy serves here (v2.17.0 is refused). It is on the 0.32
   * Kubernetes libraries; the one build links it with the release's 0.33 ones.
   */
  kubeStateMetrics: '2.16.0',
} as const;

let goMinor: string | undefined;
/** `go1.26` for Go 1.26.x: binaries built by another Go release go to another cache dir. */
export function goRelease(): string {
  if (goMinor) return goMinor;
  let full = '';
  try {
    full = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  } catch {
    full = 'nogo';
  }
  const m = /^go(\d+)\.(\d+)/.exec(full);
  goMinor = m ? `go${m[1]}.${m[2]}` : full;
  return goMinor;
}

export function cacheKey(): string {
  return `k8s-${VERSIONS.kubernetes}_kwok-${VERSIONS.kwok}_ms-${VERSIONS.metricsServer}_ksm-${VERSIONS.kubeStateMetrics}_${goRelease()}`;
}

/** ~/.cache/sock-shop-lab (XDG_CACHE_HOME honoured; SOCK_SHOP_LAB_CACHE overrides). */
export function cacheRoot(): string {
  if (process.env.SOCK_SHOP_LAB_CACHE) return resolve(process.env.SOCK_SHOP_LAB_CACHE);
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'sock-shop-lab');
}

/** Directory holding the built binaries for the current versions. */
export function binDir(): string {
  return join(cacheRoot(), cacheKey(), 'bin');
}

/** The lab's state directory. */
export function labHome(): string {
  return resolve(process.env.SOCK_SHOP_LAB_HOME || join(REPO_ROOT, '.lab'));
}

export function statePath(home = labHome()): string {
  return join(home, 'state.json');
}

export function kubeconfigPath(home = labHome()): string {
  return join(home, 'kubeconfig');
}

/** Debian's etcd-server (3.4.23): kube-apiserver 1.33 runs on it, so the lab does not build etcd. */
export const ETCD_BINARY = process.env.SOCK_SHOP_LAB_ETCD || '/usr/bin/etcd';
