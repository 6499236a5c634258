// Checks run before any resource is created, so a bad name, region, version or size fails with a
// specific message instead of a half-made cluster.
//
// Cluster names: DigitalOcean's OpenAPI spec gives the `name` field no pattern; the API (and doctl)
// accept what Kubernetes/DNS accept for a label, and we check the stricter form we promise in the UI:
// lowercase letters, digits and hyphens, starting with a letter, ending with a letter or digit, at most
// 63 characters.
import { UserError } from '../errors';

export const CLUSTER_NAME_MAX = 63;

/** The problem with a proposed cluster name, or undefined if it is valid. For InputBox.validateInput too. */
export function clusterNameProblem(name: string): string | undefined {
  // Characters are whole code points (an emoji is one character, never half of a surrogate pair).
  const length = [...name].length;
  if (length === 0) return 'Enter a cluster name.';
  if (length > CLUSTER_NAME_MAX) return `A cluster name has at most ${CLUSTER_NAME_MAX} characters (this one has ${length}).`;
  if (/[A-Z]/.test(name)) return 'A cluster name uses lowercase letters only.';
  const bad = name.match(/[^a-z0-9-]/u);
  if (bad) return `A cluster name may contain only lowercase letters, digits and hyphens, not ${describeChar(bad[0])}.`;
  if (!/^[a-z]/.test(name)) return 'A cluster name starts with a letter.';
  if (!/[a-z0-9]$/.test(name)) return 'A cluster name ends with a letter or digit.';
  return undefined;
}

/** `"_"`, or for a character that does not show well (space, control, emoji, other scripts) also its code point. */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  if (cp === 0x20) return '" " (a space)';
  if (cp > 0x20 && cp < 0x7f) return `"${ch}"`;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return `the control character ${hex}`;
  return `"${ch}" (${hex})`;
}

export interface KubeOptions {
  regions: { slug: string; name: string }[];
  versions: { slug: string; kubernetes_version: string }[];
  sizes: { slug: string; name: string; price_monthly?: number }[];
}

export interface ClusterRequest {
  name: string;
  region: string;
  version: string;
  size: string;
  count: number;
  monitoring: boolean;
  tags?: string[];
}

export const MAX_NODES_PER_POOL = 512;

/** Throws a UserError naming the first problem with the request against the options the API offered. */
export function validateClusterRequest(req: ClusterRequest, options: KubeOptions): void {
  const nameProblem = clusterNameProblem(req.name);
  if (nameProblem) throw new UserError(`Invalid cluster name "${req.name}": ${nameProblem}`, 'InvalidName');
  if (!options.regions.some((r) => r.slug === req.region)) {
    const known = options.regions.map((r) => r.slug).join(', ');
    throw new UserError(`Unknown region "${req.region}": DigitalOcean offers Kubernetes in ${known}.`, 'UnknownRegion');
  }
  if (!options.versions.some((v) => v.slug === req.version)) {
    const known = options.versions.map((v) => v.slug).join(', ');
    throw new UserError(`Unknown Kubernetes version "${req.version}": DigitalOcean offers ${known}.`, 'UnknownVersion');
  }
  if (!options.sizes.some((s) => s.slug === req.size)) {
    throw new UserError(`Unknown node size "${req.size}": it is not among the sizes DigitalOcean offers for Kubernetes node pools.`, 'UnknownSize');
  }
  if (!Number.isInteger(req.count) || req.count < 1 || req.count > MAX_NODES_PER_POOL) {
    throw new UserError(`Node count must be a whole number from 1 to ${MAX_NODES_PER_POOL} (got ${req.count}).`, 'InvalidCount');
  }
}

/** The newest version offered: DigitalOcean lists newest first, but we compare to be safe. */
export function latestVersion(options: KubeOptions): string | undefined {
  const parse = (slug: string) => (slug.match(/\d+/g) ?? []).map(Number);
  const sorted = [...options.versions].sort((a, b) => {
    const x = parse(a.slug);
    const y = parse(b.slug);
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const d = (y[i] ?? 0) - (x[i] ?? 0);
      if (d) return d;
    }
    return 0;
  });
  return sorted[0]?.slug;
}

/** doctl's kubeconfig naming: context, cluster and (with -admin) user are all `do-<region>-<name>`. */
export function doContextName(region: string, name: string): string {
  return `do-${region}-${name}`;
}
