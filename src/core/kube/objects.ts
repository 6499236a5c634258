// Kubernetes objects as the extension's manifests hold them, and reading a directory of manifest files.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest, YamlSyntaxError, type ManifestObject } from '../yaml/parse';

export interface KubeObject extends ManifestObject {
  metadata: ManifestObject['metadata'] & {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

/** Reads every *.yaml in dir, in name order, as objects (throws YamlSyntaxError naming the file). */
export function loadManifestFiles(dir: string): KubeObject[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const objects: KubeObject[] = [];
  for (const f of files) {
    const parsed = parseManifest(readFileSync(join(dir, f), 'utf8'));
    const errors = parsed.problems.filter((p) => p.severity === 'error');
    if (errors.length) throw new YamlSyntaxError(errors, join(dir, f));
    for (const o of parsed.objects) objects.push(o.object as KubeObject);
  }
  return objects;
}
