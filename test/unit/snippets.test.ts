// The contributed snippets: each body, with every placeholder at its default, is valid YAML (or
// Python), carries today's APIs and the workshop's facts, and the kube-monkey install files match them.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { expandSnippet, parseSnippetFile, snippetChoices, type Snippet } from '../../src/core/sockshop/snippets';
import { loadManifestFiles } from '../../src/core/sockshop/manifests';

const root = join(import.meta.dirname, '..', '..');
const yamlSnippets = parseSnippetFile(readFileSync(join(root, 'snippets', 'kubernetes.code-snippets'), 'utf8'));
const pySnippets = parseSnippetFile(readFileSync(join(root, 'snippets', 'locust.code-snippets'), 'utf8'));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const docs = (s: Snippet) => parseAllDocuments(expandSnippet(s.body)).map((d) => {
  assert.deepEqual(d.errors.map((e) => e.message), [], `${s.name}: YAML errors`);
  return d.toJS();
}).filter(Boolean);
const byPrefix = (p: string) => {
  const s = yamlSnippets.find((x) => x.prefix.includes(p));
  assert.ok(s, `no snippet with prefix ${p}`);
  return s;
};

describe('snippets', () => {
  it('are the files package.json contributes, for yaml and python', () => {
    const contributed = pkg.contributes.snippets.map((s: { language: string; path: string }) => `${s.language}:${s.path}`);
    assert.deepEqual(contributed.sort(), ['python:./snippets/locust.code-snippets', 'yaml:./snippets/kubernetes.code-snippets']);
  });

  it('expand placeholders the way VS Code fills defaults', () => {
    assert.equal(expandSnippet('a: ${1:x}\nb: ${2|fixed,kill-all|}\nc: $1${0}\\$d'), 'a: x\nb: fixed\nc: $d');
    assert.equal(expandSnippet('${1:outer ${2:inner}}'), 'outer inner');
    assert.deepEqual(snippetChoices('${3|fixed,kill-all|}'), [['fixed', 'kill-all']]);
  });

  it('one entry per manifest: one prefix each, starting "sockshop" or "kube-monkey", no prefix or name twice', () => {
    const all = [...yamlSnippets, ...pySnippets];
    for (const s of all) {
      assert.equal(s.prefix.length, 1, `${s.name}: one IntelliSense entry, not ${s.prefix.join(', ')}`);
      assert.match(s.prefix[0], /^(sockshop|kube-monkey)-/, s.name);
      assert.ok(s.description && s.description.length > 10, s.name);
    }
    const prefixes = all.map((s) => s.prefix[0]);
    assert.equal(new Set(prefixes).size, prefixes.length, `duplicate prefixes: ${prefixes.join(', ')}`);
    assert.deepEqual(prefixes.sort(), [
      'kube-monkey-configmap',
      'kube-monkey-deployment',
      'kube-monkey-labels',
      'kube-monkey-namespace',
      'kube-monkey-rbac',
      'sockshop-front-end-kube-monkey',
      'sockshop-locustfile',
      'sockshop-namespace',
    ]);
  });

  it('each description names what the snippet inserts: its kinds and its namespace', () => {
    for (const s of yamlSnippets) {
      if (s.prefix[0] === 'kube-monkey-labels') continue; // a fragment, checked below
      for (const o of docs(s)) {
        assert.ok(s.description!.includes(o.kind), `${s.prefix[0]}: the description does not say it inserts a ${o.kind}: ${s.description}`);
        if (o.kind === 'Namespace') assert.ok(s.description!.includes(o.metadata.name), `${s.prefix[0]} inserts namespace ${o.metadata.name}: ${s.description}`);
      }
      if (s.prefix[0].startsWith('kube-monkey-')) assert.doesNotMatch(s.description!, /^Sock Shop namespace/);
    }
    assert.match(byPrefix('kube-monkey-labels').description!, /labels/);
    assert.match(byPrefix('kube-monkey-labels').description!, /pod template/);
  });

  it('every YAML snippet parses, and every manifest snippet is a whole object of a current API', () => {
    for (const s of yamlSnippets) {
      const objects = docs(s);
      assert.ok(objects.length > 0, s.name);
      if (s.prefix.includes('kube-monkey-labels')) continue; // a fragment to merge, not an object
      for (const o of objects) {
        assert.ok(o.apiVersion && o.kind && o.metadata?.name, `${s.name}: ${JSON.stringify(o).slice(0, 80)}`);
        assert.ok(!/v1beta1|extensions\//.test(o.apiVersion), `${s.name}: ${o.apiVersion}`);
        if (o.kind === 'Deployment') {
          assert.equal(o.apiVersion, 'apps/v1');
          for (const [k, v] of Object.entries(o.spec.selector.matchLabels)) assert.equal(o.spec.template.metadata.labels[k], v, `${s.name} selector`);
        }
      }
    }
  });

  it('kube-monkey label block: Deployment labels and pod-template identifier, kill-mode choices', () => {
    const s = byPrefix('kube-monkey-labels');
    const [o] = docs(s);
    assert.deepEqual(o.metadata.labels, {
      'kube-monkey/enabled': 'enabled',
      'kube-monkey/identifier': 'front-end',
      'kube-monkey/mtbf': '1',
      'kube-monkey/kill-mode': 'fixed',
      'kube-monkey/kill-value': '1',
    });
    assert.equal(o.spec.template.metadata.labels['kube-monkey/identifier'], 'front-end');
    assert.deepEqual(snippetChoices(s.body), [['fixed', 'kill-all', 'random-max-percent', 'fixed-percent']]);
    // The identifier placeholder is the same tab stop in both places, so one edit changes both.
    assert.equal((s.body.match(/kube-monkey\/identifier: \$\{1:front-end\}/g) ?? []).length, 2);
  });

  it('front-end with kube-monkey labels: apps/v1, the selector of our front-end, labels on both levels', () => {
    const s = byPrefix('sockshop-front-end-kube-monkey');
    const [d] = docs(s);
    const ours = loadManifestFiles(join(root, 'manifests', 'sock-shop')).find((o) => o.kind === 'Deployment' && o.metadata.name === 'front-end')!;
    assert.deepEqual(d.spec.selector, (ours.spec as any).selector, 'same selector as the deployed front-end (selectors are immutable)');
    assert.equal(d.spec.replicas, 4);
    assert.equal(d.metadata.labels['kube-monkey/kill-mode'], 'fixed');
    assert.equal(d.metadata.labels['kube-monkey/kill-value'], '2');
    assert.equal(d.spec.template.metadata.labels['kube-monkey/identifier'], d.metadata.labels['kube-monkey/identifier']);
    assert.deepEqual(snippetChoices(s.body)[0], ['fixed', 'kill-all', 'random-max-percent', 'fixed-percent']);
    assert.equal(d.spec.template.spec.containers[0].image, 'weaveworksdemos/front-end:0.3.12');
  });

  it('kube-monkey ConfigMap: IANA time zone, whitelist sock-shop, blacklist kube-system, explicit dry_run, [debug]', () => {
    const [cm] = docs(byPrefix('kube-monkey-configmap'));
    const toml: string = cm.data['config.toml'];
    assert.match(toml, /^\[kubemonkey\]$/m);
    assert.match(toml, /^time_zone = "Asia\/Singapore"$/m);
    assert.doesNotMatch(toml, /^time_zone = "Singapore\/Singapore"/m);
    assert.match(toml, /^whitelisted_namespaces = \["sock-shop"\]$/m);
    assert.match(toml, /^blacklisted_namespaces = \["kube-system"\]$/m);
    assert.match(toml, /^dry_run = (true|false)$/m);
    assert.match(toml, /^\[debug\]$/m);
    assert.match(toml, /^schedule_immediate_kill = true$/m);
    // The zone is a real IANA zone (Intl rejects unknown ones).
    assert.doesNotThrow(() => new Intl.DateTimeFormat('en', { timeZone: 'Asia/Singapore' }));
    assert.throws(() => new Intl.DateTimeFormat('en', { timeZone: 'Singapore/Singapore' }));
  });

  it('kube-monkey Deployment: apps/v1, v0.5.2 image, config volume, its own ServiceAccount', () => {
    const [d] = docs(byPrefix('kube-monkey-deployment'));
    const pod = d.spec.template.spec;
    assert.equal(pod.serviceAccountName, 'kube-monkey');
    assert.equal(pod.containers[0].image, 'ayushsobti/kube-monkey:v0.5.2');
    assert.equal(pod.containers[0].volumeMounts[0].mountPath, '/etc/kube-monkey');
    assert.equal(pod.volumes[0].configMap.name, 'kube-monkey-config-map');
  });

  it('kube-monkey RBAC: own ServiceAccount, exactly get/list workloads and list/delete pods, no cluster-admin', () => {
    const objects = docs(byPrefix('kube-monkey-rbac'));
    assert.deepEqual(objects.map((o) => o.kind), ['ServiceAccount', 'Role', 'RoleBinding']);
    const role = objects[1];
    assert.deepEqual(role.rules, [
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'delete'] },
    ]);
    const binding = objects[2];
    assert.notEqual(binding.roleRef.name, 'cluster-admin');
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'kube-monkey', namespace: 'kube-monkey' }]);
    assert.ok(!JSON.stringify(objects).includes('"default"'));
  });

  it('the kube-monkey install files equal the snippets with their defaults', () => {
    const files = loadManifestFiles(join(root, 'manifests', 'kube-monkey'));
    const fromSnippets = ['kube-monkey-rbac', 'kube-monkey-configmap', 'kube-monkey-deployment'].flatMap((p) => docs(byPrefix(p)));
    assert.deepEqual(files.filter((o) => o.kind !== 'Namespace'), fromSnippets);
    assert.deepEqual(files.filter((o) => o.kind === 'Namespace'), docs(byPrefix('kube-monkey-namespace')));
    assert.equal(docs(byPrefix('sockshop-namespace'))[0].metadata.name, 'sock-shop');
  });

  it('the locustfile is valid Python for today\'s Locust API (HttpUser, between(5, 15), the index task)', function () {
    assert.equal(pySnippets.length, 1);
    const code = expandSnippet(pySnippets[0].body);
    assert.match(code, /from locust import HttpUser, between, task/);
    assert.match(code, /class \w+\(HttpUser\):/);
    assert.match(code, /wait_time = between\(5, 15\)/);
    assert.match(code, /@task\n\s+def index\(self\):\n\s+self\.client\.get\("\/"\)/);
    assert.doesNotMatch(code, /HttpLocust|TaskSet|min_wait/);
    const r = spawnSync('python3', ['-c', 'import ast,sys; ast.parse(sys.stdin.read())'], { input: code, encoding: 'utf8' });
    // python3 is part of the set-up (test/setup/bootstrap.mjs installs it): its absence is a failure, not a skip.
    assert.ifError(r.error);
    assert.equal(r.status, 0, r.stderr);
    // And a syntax error is caught by the same check (it is not a no-op).
    const bad = spawnSync('python3', ['-c', 'import ast,sys; ast.parse(sys.stdin.read())'], { input: code.replace('def index(self):', 'def index(self)'), encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
  });
});
