// Every chaos diagnostic: a file that triggers it and one that does not (fixtures in test/unit/fixtures/chaos;
// the workshop-*.yaml files are the workshop's own YAML, verbatim).
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { applyEdits, chaosDiagnostics, CODES, type ChaosDiagnostic } from '../../src/core/chaos/diagnostics';

const dir = join(import.meta.dirname, 'fixtures', 'chaos');
const read = (f: string) => readFileSync(join(dir, f), 'utf8');
const codes = (f: string) => chaosDiagnostics(read(f)).map((d) => d.code);
const lineText = (text: string, d: ChaosDiagnostic) => text.split('\n')[d.range.start.line].slice(d.range.start.character, d.range.end.line === d.range.start.line ? d.range.end.character : undefined);

describe('chaos diagnostics', () => {
  const cases: { code: string; trigger: string; clean: string; expect?: (ds: ChaosDiagnostic[], text: string) => void }[] = [
    {
      code: CODES.templateIdentifier,
      trigger: 'bad-labels.yaml',
      clean: 'good-front-end.yaml',
      expect: (ds, text) => {
        const d = ds.find((x) => x.code === CODES.templateIdentifier)!;
        assert.equal(lineText(text, d), 'kube-monkey/identifier');
        assert.equal(d.range.start.line, 7);
        assert.match(d.message, /kube-monkey\/identifier: no-template-id/);
      },
    },
    {
      code: CODES.mtbf,
      trigger: 'bad-labels.yaml',
      clean: 'good-front-end.yaml',
      expect: (ds, text) => {
        const m = ds.filter((x) => x.code === CODES.mtbf);
        assert.equal(m.length, 2, 'mtbf "0" and mtbf 2 (a number, not a string)');
        assert.equal(lineText(text, m[0]), '"0"');
        assert.match(m[1].message, /must be a string/);
      },
    },
    {
      code: CODES.killMode,
      trigger: 'bad-labels.yaml',
      clean: 'good-front-end.yaml',
      expect: (ds, text) => assert.equal(lineText(text, ds.find((x) => x.code === CODES.killMode)!), 'random'),
    },
    {
      code: CODES.killValue,
      trigger: 'bad-labels.yaml',
      clean: 'good-front-end.yaml',
      expect: (ds) => {
        const msgs = ds.filter((x) => x.code === CODES.killValue).map((x) => x.message);
        assert.equal(msgs.length, 3);
        assert.ok(msgs.some((m) => /at most 100 \(got 150\)/.test(m)));
        assert.ok(msgs.some((m) => /is missing/.test(m)));
        assert.ok(msgs.some((m) => /greater than 0 \(got 0\)/.test(m)));
      },
    },
    {
      code: CODES.timeZone,
      trigger: 'workshop-configmap.yaml',
      clean: 'good-configmap.yaml',
      expect: (ds, text) => {
        const d = ds.find((x) => x.code === CODES.timeZone)!;
        // Reported at the embedded TOML's line inside the YAML, on the value.
        assert.equal(d.range.start.line, 13);
        assert.equal(lineText(text, d), '"Singapore/Singapore"');
        assert.match(d.message, /Asia\/Singapore/);
        assert.equal(d.severity, 'error');
        // The quick fix puts the suggested zone in place of the value, and the fixed file has no time-zone problem.
        assert.equal(d.fix?.title, 'Change time_zone to "Asia/Singapore"');
        const fixed = applyEdits(text, d.fix!.edits);
        assert.match(fixed, /^\s*time_zone = "Asia\/Singapore"$/m);
        assert.equal(fixed.split('\n').length, text.split('\n').length);
        assert.ok(!chaosDiagnostics(fixed).some((x) => x.code === CODES.timeZone));
      },
    },
    {
      code: CODES.hoursOrder,
      trigger: 'bad-hours.yaml',
      clean: 'workshop-configmap.yaml',
      expect: (ds, text) => {
        const h = ds.filter((x) => x.code === CODES.hoursOrder);
        assert.equal(h.length, 2);
        assert.equal(text.split('\n')[h[0].range.start.line].trim(), 'run_hour = 12');
        assert.equal(text.split('\n')[h[1].range.start.line].trim(), 'end_hour = 9');
      },
    },
    {
      code: CODES.dryRunImplicit,
      trigger: 'workshop-configmap.yaml',
      clean: 'good-configmap.yaml',
      expect: (ds) => assert.equal(ds.find((x) => x.code === CODES.dryRunImplicit)!.severity, 'info'),
    },
    {
      code: CODES.tomlSyntax,
      trigger: 'bad-toml.yaml',
      clean: 'good-configmap.yaml',
      expect: (ds, text) => {
        const t = ds.filter((x) => x.code === CODES.tomlSyntax);
        assert.equal(t.length, 2, 'a line without "=" and an unquoted string in an array');
        assert.equal(lineText(text, t[0]), 'time_zone "Asia/Singapore"');
        assert.equal(lineText(text, t[1]), '[sock-shop]');
      },
    },
    {
      code: CODES.removedDeploymentApi,
      trigger: 'workshop-front-end.yaml',
      clean: 'good-front-end.yaml',
      expect: (ds, text) => {
        const d = ds.find((x) => x.code === CODES.removedDeploymentApi)!;
        assert.equal(lineText(text, d), 'extensions/v1beta1');
        assert.ok(d.fix, 'has a quick fix');
      },
    },
    {
      code: CODES.clusterAdminDefault,
      trigger: 'workshop-rbac.yaml',
      clean: 'good-rbac.yaml',
      expect: (ds, text) => {
        const d = ds.find((x) => x.code === CODES.clusterAdminDefault)!;
        assert.equal(d.severity, 'warning');
        assert.equal(lineText(text, d), 'default');
        assert.match(d.message, /own ServiceAccount and a Role/);
        assert.match(d.message, /list\/delete on pods/);
      },
    },
  ];

  for (const c of cases) {
    it(`${c.code}: ${c.trigger} triggers it, ${c.clean} does not`, () => {
      const text = read(c.trigger);
      const ds = chaosDiagnostics(text);
      assert.ok(ds.some((d) => d.code === c.code), `${c.trigger}: ${JSON.stringify(ds.map((d) => d.code))}`);
      c.expect?.(ds, text);
      assert.ok(!codes(c.clean).includes(c.code), `${c.clean}: ${JSON.stringify(codes(c.clean))}`);
    });
  }

  it('every diagnostic code has a case above', () => {
    assert.deepEqual(Object.values(CODES).filter((c) => !cases.some((x) => x.code === c)), []);
  });

  it('time zone: no quick fix without a suggestion, nor in a quoted config.toml whose columns do not map', () => {
    const noHint = chaosDiagnostics(read('workshop-configmap.yaml').replace('Singapore/Singapore', 'Nowhere/Atlantis')).find((x) => x.code === CODES.timeZone)!;
    assert.match(noHint.message, /Use a name like/);
    assert.equal(noHint.fix, undefined);
    const quoted = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kube-monkey-config-map\ndata:\n  config.toml: "[kubemonkey]\\ndry_run = true\\ntime_zone = \\"Singapore/Singapore\\"\\n"\n';
    const q = chaosDiagnostics(quoted).find((x) => x.code === CODES.timeZone)!;
    assert.match(q.message, /Did you mean "Asia\/Singapore"/);
    assert.equal(q.fix, undefined);
  });

  it('the clean fixtures and the shipped install manifests have no diagnostics at all', () => {
    for (const f of ['good-front-end.yaml', 'good-configmap.yaml', 'good-rbac.yaml']) assert.deepEqual(codes(f), [], f);
    const manifests = join(import.meta.dirname, '..', '..', 'manifests', 'kube-monkey');
    for (const f of readdirSync(manifests)) assert.deepEqual(chaosDiagnostics(readFileSync(join(manifests, f), 'utf8')), [], f);
  });

  it('every workshop file triggers something (the trigger corpus)', () => {
    for (const f of readdirSync(dir).filter((x) => x.startsWith('workshop-'))) assert.ok(codes(f).length > 0, f);
  });

  it('quick fix: the workshop front-end becomes apps/v1 with spec.selector.matchLabels from the template labels', () => {
    const text = read('workshop-front-end.yaml');
    const d = chaosDiagnostics(text).find((x) => x.code === CODES.removedDeploymentApi)!;
    const fixed = applyEdits(text, d.fix!.edits);
    const obj = parseAllDocuments(fixed)[0].toJS();
    assert.equal(obj.apiVersion, 'apps/v1');
    // kube-monkey's own labels stay out of the (immutable) selector.
    assert.deepEqual(obj.spec.selector, { matchLabels: { name: 'front-end' } });
    assert.equal(obj.spec.replicas, 4);
    assert.equal(obj.spec.template.spec.containers[0].image, 'weaveworksdemos/front-end:0.3.12');
    assert.ok(!chaosDiagnostics(fixed).some((x) => x.code === CODES.removedDeploymentApi));
  });

  it('quick fix keeps the indentation of a document indented as a whole (the workshop kube-monkey Deployment)', () => {
    const text = read('workshop-kube-monkey-deploy.yaml');
    const d = chaosDiagnostics(text).find((x) => x.code === CODES.removedDeploymentApi)!;
    const fixed = applyEdits(text, d.fix!.edits);
    const doc = parseAllDocuments(fixed)[0];
    assert.deepEqual(doc.errors, []);
    const obj = doc.toJS();
    assert.equal(obj.apiVersion, 'apps/v1');
    assert.deepEqual(obj.spec.selector, { matchLabels: { app: 'kube-monkey' } });
    assert.equal(obj.spec.template.metadata.labels.app, 'kube-monkey');
  });

  it('quick fix only changes apiVersion when a selector is already there', () => {
    const text = read('good-front-end.yaml').replace('apiVersion: apps/v1', 'apiVersion: apps/v1beta2');
    const d = chaosDiagnostics(text).find((x) => x.code === CODES.removedDeploymentApi)!;
    assert.equal(d.fix!.edits.length, 1);
    assert.equal(applyEdits(text, d.fix!.edits), read('good-front-end.yaml'));
  });

  it('leaves YAML without anything chaos-related alone, and does not throw on broken YAML', () => {
    assert.deepEqual(chaosDiagnostics('apiVersion: v1\nkind: Service\nmetadata: {name: x}\n'), []);
    assert.deepEqual(chaosDiagnostics('kind: Deployment\nmetadata:\n  labels:\n    kube-monkey/mtbf: [unclosed\n'), []);
  });
});
