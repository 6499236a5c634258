import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  checkConfigToml,
  DEFAULT_CONFIG,
  deploymentLabels,
  installObjects,
  isIanaZone,
  KUBE_MONKEY_RULES,
  labelsPatch,
  parseConfigToml,
  parseToml,
  readLabels,
  renderConfigToml,
  suggestZone,
  validateConfig,
  validateLabels,
} from '../../src/core/chaos/kubemonkey';
import { defaultManifestDir, loadManifestFiles } from '../../src/core/sockshop/manifests';

const root = join(import.meta.dirname, '..', '..');

describe('kube-monkey labels', () => {
  it('the patch sets exactly the contract on the Deployment and identifier + enabled on the pod template', () => {
    assert.deepEqual(labelsPatch({ identifier: 'front-end', mtbf: 1, killMode: 'fixed', killValue: 2 }), {
      metadata: {
        labels: {
          'kube-monkey/enabled': 'enabled',
          'kube-monkey/identifier': 'front-end',
          'kube-monkey/mtbf': '1',
          'kube-monkey/kill-mode': 'fixed',
          'kube-monkey/kill-value': '2',
        },
      },
      spec: { template: { metadata: { labels: { 'kube-monkey/enabled': 'enabled', 'kube-monkey/identifier': 'front-end' } } } },
    });
  });

  it('kill-all needs no kill-value, and the patch removes a stale one (merge-patch null)', () => {
    const p = labelsPatch({ identifier: 'carts', mtbf: 3, killMode: 'kill-all' });
    assert.equal(p.metadata.labels['kube-monkey/kill-value'], null);
    assert.ok(!('kube-monkey/kill-value' in deploymentLabels({ identifier: 'carts', mtbf: 3, killMode: 'kill-all' })));
  });

  it('refuses values kube-monkey would reject', () => {
    const base = { identifier: 'x', mtbf: 1, killMode: 'fixed' as const, killValue: 1 };
    assert.throws(() => validateLabels({ ...base, mtbf: 0 }), /greater than 0/);
    assert.throws(() => validateLabels({ ...base, mtbf: 1.5 }), /whole number/);
    assert.throws(() => validateLabels({ ...base, killValue: 0 }), /greater than 0/);
    assert.throws(() => validateLabels({ ...base, killValue: undefined }), /missing/);
    assert.throws(() => validateLabels({ ...base, killMode: 'fixed-percent', killValue: 101 }), /at most 100/);
    assert.throws(() => validateLabels({ ...base, killMode: 'random' as never }), /Unknown kube-monkey\/kill-mode/);
    assert.throws(() => validateLabels({ ...base, identifier: 'has space' }), /not a valid label value/);
    validateLabels({ ...base, killMode: 'fixed', killValue: 250 }); // fixed counts pods: no 100 cap
    validateLabels({ ...base, killMode: 'random-max-percent', killValue: 100 });
  });

  it('reads the opt-in back from a Deployment', () => {
    const d = { metadata: { labels: deploymentLabels({ identifier: 'web', mtbf: 2, killMode: 'fixed-percent', killValue: 50 }) }, spec: { template: { metadata: { labels: { 'kube-monkey/identifier': 'web' } } } } };
    assert.deepEqual(readLabels(d), { identifier: 'web', mtbf: 2, killMode: 'fixed-percent', killValue: 50, templateIdentifier: 'web' });
    assert.equal(readLabels({ metadata: { labels: { name: 'x' } } }), undefined);
  });
});

describe('kube-monkey config.toml', () => {
  it('IANA zones: Asia/Singapore and UTC yes, the workshop\'s Singapore/Singapore no (with a suggestion)', () => {
    assert.equal(isIanaZone('Asia/Singapore'), true);
    assert.equal(isIanaZone('America/Los_Angeles'), true);
    assert.equal(isIanaZone('UTC'), true);
    assert.equal(isIanaZone('Singapore/Singapore'), false);
    assert.equal(isIanaZone(''), false);
    assert.equal(isIanaZone('Mars/Olympus_Mons'), false);
    assert.equal(suggestZone('Singapore/Singapore'), 'Asia/Singapore');
  });

  it('parses the TOML subset with lines and columns, comments and quoted # kept apart', () => {
    const { entries, problems } = parseToml('[kubemonkey]\nrun_hour = 8 # at 8\ntime_zone = "A/#B"\nlist = ["a", \'b\']\n[debug]\nenabled= true\n');
    assert.deepEqual(problems, []);
    assert.deepEqual(entries.map((e) => [e.section, e.key, e.value, e.line]), [
      ['kubemonkey', 'run_hour', 8, 1],
      ['kubemonkey', 'time_zone', 'A/#B', 2],
      ['kubemonkey', 'list', ['a', 'b'], 3],
      ['debug', 'enabled', true, 5],
    ]);
    assert.equal(entries[1].valueColumn, 12);
    assert.equal(parseToml('what is this').problems[0].code, 'km-toml-syntax');
  });

  it('the shipped ConfigMap\'s config.toml is valid and round-trips through the model', () => {
    const cm = parse(readFileSync(join(root, 'manifests', 'kube-monkey', '20-configmap.yaml'), 'utf8'));
    const toml = cm.data['config.toml'];
    assert.deepEqual(checkConfigToml(toml), []);
    const c = parseConfigToml(toml);
    assert.equal(c.dryRun, true);
    assert.equal(c.timeZone, 'Asia/Singapore');
    assert.deepEqual(c.blacklistedNamespaces, ['kube-system']);
    assert.deepEqual(c.debug, { enabled: true, scheduleImmediateKill: true, scheduleDelaySeconds: 30 });
    assert.deepEqual(parseConfigToml(renderConfigToml(c)), c);
  });

  it('rendering keeps dry_run explicit either way', () => {
    assert.match(renderConfigToml({ ...DEFAULT_CONFIG, dryRun: false }), /^dry_run = false$/m);
    assert.match(renderConfigToml(DEFAULT_CONFIG), /^dry_run = true$/m);
  });

  it('validation: zone, hour order, kube-system blacklisted and never whitelisted', () => {
    assert.throws(() => validateConfig({ ...DEFAULT_CONFIG, timeZone: 'Singapore/Singapore' }), /not an IANA time zone/);
    assert.throws(() => validateConfig({ ...DEFAULT_CONFIG, runHour: 11 }), /run_hour \(11\) must not be after start_hour/);
    assert.throws(() => validateConfig({ ...DEFAULT_CONFIG, endHour: 10 }), /must be before end_hour/);
    assert.throws(() => validateConfig({ ...DEFAULT_CONFIG, endHour: 24 }), /0 to 23/);
    assert.throws(() => validateConfig({ ...DEFAULT_CONFIG, blacklistedNamespaces: [] }), /kube-system must stay/);
    assert.throws(() => validateConfig({ ...DEFAULT_CONFIG, whitelistedNamespaces: ['sock-shop', 'kube-system'] }), /cannot be a kube-monkey target/);
    assert.throws(() => parseConfigToml('[kubemonkey]\ntime_zone = "Singapore/Singapore"\n'), /line 2: time_zone/);
    validateConfig(DEFAULT_CONFIG);
  });
});

describe('kube-monkey install objects', () => {
  const base = loadManifestFiles(defaultManifestDir('kube-monkey'));

  it('own ServiceAccount, a Role + RoleBinding per target namespace with only the rules it needs, ConfigMap, apps/v1 Deployment', () => {
    const objs = installObjects(base, { namespace: 'km', config: { ...DEFAULT_CONFIG, whitelistedNamespaces: ['sock-shop', 'shop-2'], dryRun: false } });
    assert.deepEqual(objs.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`), [
      'Namespace//km',
      'ServiceAccount/km/kube-monkey',
      'Role/sock-shop/kube-monkey',
      'RoleBinding/sock-shop/kube-monkey',
      'Role/shop-2/kube-monkey',
      'RoleBinding/shop-2/kube-monkey',
      'ConfigMap/km/kube-monkey-config-map',
      'Deployment/km/kube-monkey',
    ]);
    assert.ok(!objs.some((o) => o.kind.startsWith('Cluster')), 'no cluster-wide RBAC');
    for (const role of objs.filter((o) => o.kind === 'Role')) assert.deepEqual(role.rules, KUBE_MONKEY_RULES);
    assert.deepEqual(KUBE_MONKEY_RULES, [
      { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'delete'] },
    ]);
    for (const b of objs.filter((o) => o.kind === 'RoleBinding')) assert.deepEqual(b.subjects, [{ kind: 'ServiceAccount', name: 'kube-monkey', namespace: 'km' }]);
    const cm = objs.find((o) => o.kind === 'ConfigMap')!;
    const c = parseConfigToml((cm.data as Record<string, string>)['config.toml']);
    assert.equal(c.dryRun, false);
    assert.deepEqual(c.whitelistedNamespaces, ['sock-shop', 'shop-2']);
    const dep = objs.find((o) => o.kind === 'Deployment')! as unknown as { apiVersion: string; spec: { template: { spec: { serviceAccountName: string } } } };
    assert.equal(dep.apiVersion, 'apps/v1');
    assert.equal(dep.spec.template.spec.serviceAccountName, 'kube-monkey');
  });

  it('the shipped Role grants exactly the same rules', () => {
    assert.deepEqual(base.find((o) => o.kind === 'Role')!.rules, KUBE_MONKEY_RULES);
  });

  it('refuses an invalid config before building anything', () => {
    assert.throws(() => installObjects(base, { config: { ...DEFAULT_CONFIG, timeZone: 'Singapore/Singapore' } }), /IANA/);
  });
});
