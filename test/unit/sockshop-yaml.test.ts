// Manifest parsing with line-accurate problems (the Deploy Current Manifest diagnostics).
import { strict as assert } from 'node:assert';
import { parseManifest, parseYamlDocuments, YamlSyntaxError } from '../../src/core/yaml/parse';
import { countOutcomes, describeOutcomes, frontEndAddressOf, outcomeLine } from '../../src/core/sockshop/deploy';
import { changedByApply, groupForApply, unknownKindMessage } from '../../src/core/kube/apply';
import { deploymentProgress, formatProgress } from '../../src/core/kube/rollout';
import { formatChecklist } from '../../src/core/sockshop/verify';
import { assertRemovable } from '../../src/core/sockshop/remove';
import { age, table } from '../../src/core/kube/format';

const GOOD = `apiVersion: v1
kind: Namespace
metadata:
  name: sock-shop
---
# a comment-only document is skipped
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: front-end
  namespace: sock-shop
spec:
  replicas: 1
`;

describe('manifest YAML parsing', () => {
  it('returns every object with the line its document starts on', () => {
    const r = parseManifest(GOOD);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.objects.map((o) => [o.object.kind, o.line]), [['Namespace', 1], ['Deployment', 8]]);
  });

  it('reports a syntax error at its line and returns no objects', () => {
    const text = GOOD.replace('  replicas: 1', '  replicas: 1\n bad: indentation');
    const r = parseManifest(text);
    assert.equal(r.objects.length, 0);
    const e = r.problems.find((p) => p.severity === 'error')!;
    assert.equal(e.line, 15);
    assert.equal(e.column, 1);
    assert.ok(e.message.length > 0);
  });

  it('reports a duplicate key, tab indentation and an unclosed quote with their lines', () => {
    const dup = parseManifest('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n');
    assert.equal(dup.problems[0].line, 5);
    assert.equal(dup.problems[0].code, 'DUPLICATE_KEY');
    const tab = parseManifest('apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: a\n');
    assert.equal(tab.problems[0].line, 4);
    const quote = parseManifest('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "a\ndata: {}\n');
    assert.ok(quote.problems.some((p) => p.severity === 'error' && p.line === 4), JSON.stringify(quote.problems));
  });

  it('reports objects without apiVersion, kind or metadata.name at their document', () => {
    const r = parseManifest('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\nkind: Service\nmetadata:\n  name: x\n---\napiVersion: v1\nkind: Service\nmetadata:\n  labels: {}\n---\n- just\n- a list\n');
    assert.deepEqual(r.problems.map((p) => [p.code, p.line]), [['MissingApiVersion', 6], ['MissingName', 12], ['NotAnObject', 15]]);
    assert.deepEqual(r.objects.map((o) => o.object.metadata.name), ['ok']);
  });

  it('expands kind: List', () => {
    const r = parseManifest('apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: a\n');
    assert.deepEqual(r.objects.map((o) => o.object.metadata.name), ['a']);
  });

  it('YamlSyntaxError says where, and that nothing was applied', () => {
    const r = parseYamlDocuments('a: [1, 2\n');
    const err = new YamlSyntaxError(r.problems, 'front-end.yaml');
    assert.match(err.message, /^front-end\.yaml has a YAML error at line \d+: .+\. Nothing was applied\.$/);
    assert.equal(err.reason, 'InvalidYaml');
  });
});

describe('deploy helpers', () => {
  it('orders arbitrary manifests: namespaces first, then accounts/roles/config, then workloads', () => {
    const objs = ['Deployment', 'RoleBinding', 'Namespace', 'ConfigMap', 'ServiceAccount'].map((kind) => ({ kind }));
    assert.deepEqual(groupForApply(objs).map((g) => g.map((o) => o.kind)), [['Namespace'], ['RoleBinding', 'ConfigMap', 'ServiceAccount'], ['Deployment']]);
  });

  it('tells "unchanged" from "configured" even when someone else changed the object meanwhile', () => {
    const sent = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'front-end', namespace: 'n', annotations: { a: '1' } }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } };
    const owned = (f: object) => [{ manager: 'sock-shop-lab', operation: 'Apply', fieldsV1: f }];
    // As listed: no apiVersion/kind on list items, server defaults added.
    const before = { metadata: { name: 'front-end', namespace: 'n', resourceVersion: '1', annotations: { a: '1' }, managedFields: owned({ x: 1 }) }, spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP', nodePort: 31000 }] } } as any;
    // A load-balancer controller added its annotation and status: not our change.
    const theirs = { apiVersion: 'v1', kind: 'Service', metadata: { ...before.metadata, resourceVersion: '2', annotations: { a: '1', lb: 'x' } }, spec: before.spec, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } } as any;
    assert.equal(changedByApply(before, theirs, sent, 'sock-shop-lab'), false);
    assert.equal(changedByApply(before, { ...before }, sent, 'sock-shop-lab'), false, 'same resourceVersion');
    // Our value changed.
    const ours = { ...theirs, metadata: { ...theirs.metadata, annotations: { a: '2', lb: 'x' } } };
    assert.equal(changedByApply(before, ours, { ...sent, metadata: { ...sent.metadata, annotations: { a: '2' } } }, 'sock-shop-lab'), true);
    // We dropped a field we owned: the set of fields we own changed.
    const dropped = { ...theirs, metadata: { ...theirs.metadata, managedFields: owned({ y: 1 }) } };
    assert.equal(changedByApply(before, dropped, sent, 'sock-shop-lab'), true);
  });

  it('names the replacement for removed APIs', () => {
    assert.match(unknownKindMessage('extensions/v1beta1', 'Deployment'), /use apps\/v1 .*removed in Kubernetes 1\.16/);
    assert.match(unknownKindMessage('example.com/v1', 'Widget'), /does not serve Widget in example\.com\/v1/);
  });

  it('summarises outcomes, "no changes" when nothing changed', () => {
    const o = (status: any) => ({ apiVersion: 'v1', kind: 'Service', name: 'x', namespace: 'n', status });
    assert.equal(describeOutcomes([o('unchanged'), o('unchanged')]), 'no changes (2 objects unchanged)');
    assert.equal(describeOutcomes([o('created'), o('unchanged'), o('failed')]), '1 created, 1 unchanged, 1 failed');
    assert.deepEqual(countOutcomes([o('created')]).created, 1);
    assert.equal(outcomeLine({ ...o('failed'), message: 'bad', line: 3 }), 'Service n/x (line 3): failed — bad');
  });

  it('computes rollout progress like kubectl rollout status', () => {
    const d = (spec: number, st: Record<string, number>, gen = 1, obs = 1) => ({ metadata: { name: 'a', generation: gen }, spec: { replicas: spec }, status: { observedGeneration: obs, ...st } }) as any;
    assert.equal(deploymentProgress(d(2, { replicas: 2, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2 })).done, true);
    assert.equal(deploymentProgress(d(2, { replicas: 3, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2 })).done, false, 'old replica left');
    assert.equal(deploymentProgress(d(2, { replicas: 2, updatedReplicas: 2, availableReplicas: 2 }, 2, 1)).done, false, 'not observed yet');
    assert.match(formatProgress([deploymentProgress(d(2, { readyReplicas: 1 }))]), /0\/1 deployments available — waiting for a 1\/2/);
  });

  it('front-end URL from the load balancer, else a note about port-forwarding', () => {
    assert.equal(frontEndAddressOf({ spec: { type: 'LoadBalancer', ports: [{ port: 80 }] }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } } } as any).url, 'http://203.0.113.7/');
    assert.equal(frontEndAddressOf({ spec: { type: 'LoadBalancer', ports: [{ port: 8080 }] }, status: { loadBalancer: { ingress: [{ hostname: 'lb.example' }] } } } as any).url, 'http://lb.example:8080/');
    const pending = frontEndAddressOf({ spec: { type: 'LoadBalancer', ports: [{ port: 80 }] }, status: {} } as any);
    assert.equal(pending.url, undefined);
    assert.match(pending.note, /port-forward/);
    assert.match(frontEndAddressOf({ spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30001 }] } } as any).note, /node port 30001.*port-forward/);
  });

  it('formats the checklist and tables', () => {
    const text = formatChecklist({ passed: false, items: [{ title: 'a', passed: true, detail: 'ok' }, { title: 'b', passed: false, detail: 'why' }] });
    assert.equal(text, '✔ a: ok\n✘ b: why\n1 of 2 checks failed.');
    assert.equal(table(['NAME', 'AGE'], [['pod/a', '1s'], ['pod/longer', '2m']]), 'NAME         AGE\npod/a        1s\npod/longer   2m');
    assert.equal(age(new Date(Date.now() - 3 * 3600_000)), '3h');
    assert.equal(age(new Date(Date.now() - 90 * 60_000)), '90m');
    assert.equal(age(new Date(Date.now() - 50 * 3600_000)), '2d2h'); // kubectl's HumanDuration, one age() for tree and tables
  });

  it('refuses to remove the namespaces the cluster needs', () => {
    for (const ns of ['kube-system', 'default', 'kube-public']) assert.throws(() => assertRemovable(ns), /Refusing to delete namespace/);
    assert.doesNotThrow(() => assertRemovable('sock-shop'));
  });
});
