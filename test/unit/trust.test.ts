// What keeps a workspace from turning the extension against its user, and destructive actions honest:
// machine-scoped settings, the http-only-to-loopback rule for credentials, confirmations that name the
// context, stale items refused, webview messages checked, report paths restricted, the YAML size cap,
// redaction, and a failed lazy load retried. Plus: the tree reads nothing outside itself.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onceUntilFailure } from '../../src/core/async';
import { chaosDiagnostics, diagnosticsSkipReason, MAX_DIAGNOSTICS_CHARS } from '../../src/core/chaos/diagnostics';
import { describeError, UserError } from '../../src/core/errors';
import { apiServerTrouble, kubeError } from '../../src/core/kube/errors';
import {
  applyManifestConfirmation,
  assertChaosNamespace,
  assertCurrentContext,
  assertNamespaceAllowed,
  killContainerConfirmation, killPodConfirmation,
  removeConfirmation,
  restartConfirmation,
  scaleConfirmation,
} from '../../src/core/kube/guard';
import { redactTarget, reportPathAllowed, saveReport } from '../../src/core/load/report';
import { checkCredentialEndpoint, isLoopbackHost, MACHINE_SETTINGS, resolveSetting, SETTINGS, type SettingKey } from '../../src/core/settings';
import { checkWebviewMessage as checkLoad } from '../../src/common/contracts/load';
import { checkWebviewMessage as checkMetrics } from '../../src/common/contracts/metrics';
import { REPO_ROOT } from '../lab/paths.ts';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
const props = pkg.contributes.configuration.properties as Record<string, { default: unknown; scope?: string }>;

describe('trust: settings a workspace cannot abuse', () => {
  it('package.json declares every setting with the default and scope of src/core/settings.ts', () => {
    const declared = Object.keys(props).map((k) => k.replace(/^sockShop\./, '')).sort();
    assert.deepEqual(declared, Object.keys(SETTINGS).sort());
    for (const key of Object.keys(SETTINGS) as SettingKey[]) {
      assert.deepEqual(props[`sockShop.${key}`].default, SETTINGS[key].default, `default of ${key}`);
      assert.equal(props[`sockShop.${key}`].scope, SETTINGS[key].scope, `scope of ${key}`);
    }
  });

  it('the settings that carry credentials, run code or loosen a guard are machine-scoped and restricted', () => {
    for (const key of ['digitalocean.apiUrl', 'grafana.url', 'prometheus.url', 'kubeconfigPath', 'allowKubeSystem', 'chaos.namespaceAllowlist', 'chaos.maxPodsPerKill', 'load.maxRequests', 'load.maxDurationSeconds']) {
      assert.ok(MACHINE_SETTINGS.includes(key as SettingKey), `${key} is machine-scoped`);
      assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(`sockShop.${key}`), `${key} is restricted`);
    }
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  });

  it('a workspace or folder value of a machine-scoped setting is ignored, and says so', () => {
    const r = resolveSetting('digitalocean.apiUrl', { globalValue: undefined, workspaceValue: 'http://attacker.example/', workspaceFolderValue: 'http://x/' });
    assert.equal(r.value, 'https://api.digitalocean.com/v2');
    assert.equal(r.from, 'default');
    assert.match(r.ignored ?? '', /workspace value of sockShop.digitalocean.apiUrl is ignored/);
    const user = resolveSetting('allowKubeSystem', { globalValue: false, workspaceValue: true });
    assert.equal(user.value, false);
    assert.equal(user.from, 'user');
    assert.deepEqual(resolveSetting('chaos.namespaceAllowlist', { workspaceValue: ['kube-system', 'sock-shop'] }).value, ['sock-shop']);
    assert.equal(resolveSetting('load.maxRequests', { workspaceValue: 1e12 }).value, 100_000);
  });

  it('window-scoped settings follow the folder, workspace, user order; invalid values fall back', () => {
    assert.equal(resolveSetting('namespace', { globalValue: 'a', workspaceValue: 'b', workspaceFolderValue: 'c' }).value, 'c');
    assert.equal(resolveSetting('namespace', { globalValue: 'a', workspaceValue: 'b' }).value, 'b');
    const bad = resolveSetting('metrics.refreshSeconds', { globalValue: 'often' });
    assert.equal(bad.value, 5);
    assert.match(bad.ignored ?? '', /invalid user value \(a string\)/);
    assert.equal(resolveSetting('metrics.refreshSeconds', { globalValue: 0.001 }).value, 5);
    assert.equal(resolveSetting('killPod.gracePeriodSeconds', { globalValue: null }).value, null);
    assert.equal(resolveSetting('killPod.gracePeriodSeconds', { globalValue: -1 }).value, null);
    // The default list is a copy: a caller changing it changes nothing else.
    const a = resolveSetting('chaos.namespaceAllowlist', undefined).value;
    a.push('x');
    assert.deepEqual(resolveSetting('chaos.namespaceAllowlist', undefined).value, ['sock-shop']);
  });
});

describe('trust: credentials go over https, or http to this machine only', () => {
  it('knows loopback hosts', () => {
    for (const h of ['localhost', '127.0.0.1', '127.10.0.7', '127.255.255.254', '[::1]', '::1', 'api.localhost', '::ffff:127.0.0.1']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['10.0.0.1', '192.168.1.1', '128.0.0.1', '127.0.0.256', 'localhost.example.com', 'example.com', '::2', '0.0.0.0']) assert.ok(!isLoopbackHost(h), h);
  });

  it('accepts https anywhere and http on loopback, refuses the rest with a specific message', () => {
    assert.ok(checkCredentialEndpoint('https://api.digitalocean.com/v2', 'x').ok);
    assert.ok(checkCredentialEndpoint('http://127.0.0.1:18480/v2', 'x').ok);
    assert.ok(checkCredentialEndpoint('http://localhost:3000', 'x').ok);
    const plain = checkCredentialEndpoint('http://any-host/', 'sockShop.digitalocean.apiUrl');
    assert.equal(plain.ok, false);
    assert.match(!plain.ok ? plain.message : '', /sockShop.digitalocean.apiUrl uses plain http to any-host/);
    const lan = checkCredentialEndpoint('http://10.0.0.5:3000', 'Grafana');
    assert.equal(lan.ok, false);
    const ftp = checkCredentialEndpoint('ftp://127.0.0.1/', 'x');
    assert.match(!ftp.ok ? ftp.message : '', /must be an http\(s\) URL \(got ftp:\)/);
    const creds = checkCredentialEndpoint('https://user:pw@api.example/', 'x');
    assert.match(!creds.ok ? creds.message : '', /must not carry a user name or password/);
    assert.match((checkCredentialEndpoint('not a url', 'x') as { message: string }).message, /is not a URL/);
  });
});

describe('trust: destructive actions name their context and respect the guards', () => {
  const ctx = 'do-sgp1-sock-shop';
  it('every confirmation names the context and the namespace', () => {
    const all = [
      killPodConfirmation({ context: ctx, namespace: 'sock-shop', pod: 'front-end-1', gracePeriodSeconds: 0 }),
      scaleConfirmation({ context: ctx, namespace: 'sock-shop', deployment: 'front-end', from: 4, to: 1 }),
      restartConfirmation({ context: ctx, namespace: 'sock-shop', deployment: 'carts' }),
      removeConfirmation({ context: ctx, namespace: 'sock-shop' }),
      applyManifestConfirmation({ context: ctx, defaultNamespace: 'sock-shop', source: 'x.yaml', items: [{ kind: 'ConfigMap', name: 'c', namespace: 'sock-shop' }] }),
      killContainerConfirmation({ context: ctx, namespace: 'sock-shop', pod: 'front-end-1', container: 'front-end', signal: 'KILL' }),
    ];
    for (const c of all) {
      assert.ok(c.message.includes(`"${ctx}"`), c.message);
      assert.ok(c.message.includes('"sock-shop"'), c.message);
      assert.ok(c.button && c.detail);
    }
    assert.match(all[0].detail, /0 s grace period/);
    assert.match(all[1].message, /from 4 to 1 replicas/);
    assert.match(all[1].detail, /3 pods are stopped/);
    assert.match(scaleConfirmation({ context: ctx, namespace: 'n', deployment: 'd', from: 1, to: 0 }).detail, /no endpoint/);
    assert.match(all[2].detail, /rolling update/);
    assert.match(all[5].message, /^Kill container "front-end" of pod "front-end-1"/);
    assert.match(all[5].detail, /^kill -9 1 runs in the container .* No pod is deleted or replaced\.$/);
  });

  it('Deploy Current Manifest lists cluster-scoped objects and other namespaces before applying', () => {
    const c = applyManifestConfirmation({
      context: ctx,
      defaultNamespace: 'sock-shop',
      source: 'rbac.yaml',
      items: [
        { kind: 'ClusterRole', name: 'kube-monkey' },
        { kind: 'ClusterRoleBinding', name: 'kube-monkey' },
        { kind: 'ServiceAccount', name: 'kube-monkey', namespace: 'kube-monkey' },
        { kind: 'ConfigMap', name: 'c', namespace: 'sock-shop' },
      ],
    });
    assert.match(c.message, /Apply rbac.yaml to namespaces "kube-monkey", "sock-shop" of context "do-sgp1-sock-shop"\?/);
    assert.match(c.detail, /4 objects are server-side applied/);
    assert.match(c.detail, /Cluster-scoped \(outside any namespace\): ClusterRole kube-monkey, ClusterRoleBinding kube-monkey\./);
    assert.match(c.detail, /Namespaces other than "sock-shop": kube-monkey\./);
  });

  it('refuses an item listed in another context', () => {
    assert.doesNotThrow(() => assertCurrentContext({ kind: 'Pod', name: 'p', namespace: 'n', context: ctx }, ctx));
    assert.doesNotThrow(() => assertCurrentContext(undefined, ctx));
    assert.throws(
      () => assertCurrentContext({ kind: 'Pod', name: 'front-end-1', namespace: 'sock-shop', context: 'kwok-sock-shop-lab' }, ctx),
      (e: unknown) => e instanceof UserError && e.reason === 'StaleItem' && /listed in context "kwok-sock-shop-lab", but the current context is "do-sgp1-sock-shop"/.test(e.message),
    );
  });

  it('refuses kube-system unless allowed, and chaos outside the allowlist always', () => {
    for (const action of ['Kill pod', 'Scale', 'Restart']) {
      assert.throws(() => assertNamespaceAllowed('kube-system', action, {}), (e: unknown) => e instanceof UserError && e.message.startsWith(`${action} refuses kube-system`));
      assert.doesNotThrow(() => assertNamespaceAllowed('kube-system', action, { allowKubeSystem: true }));
      assert.doesNotThrow(() => assertNamespaceAllowed('sock-shop', action, {}));
    }
    assert.throws(() => assertChaosNamespace('kube-system', 'Apply kube-monkey Labels', ['kube-system']), /never touches kube-system/);
    assert.throws(() => assertChaosNamespace('default', 'Install kube-monkey', ['sock-shop']), /"default" is not in sockShop.chaos.namespaceAllowlist \(sock-shop\)/);
    assert.doesNotThrow(() => assertChaosNamespace('sock-shop', 'x', ['sock-shop']));
  });
});

describe('trust: inputs from webviews and files are checked', () => {
  it('metrics panel messages: bad, missing, extra and out-of-range fields are refused', () => {
    assert.ok(checkMetrics({ type: 'setRefresh', seconds: 10, requestId: 3 }).ok);
    assert.ok(checkMetrics({ type: 'setRefresh', seconds: 0, requestId: 3 }).ok, '0 is "off"');
    const cases: [unknown, RegExp][] = [
      [{ type: 'setRefresh', requestId: 1 }, /field "seconds" is missing/],
      [{ type: 'setRefresh', seconds: '5', requestId: 1 }, /"seconds" must be a whole number/],
      [{ type: 'setRefresh', seconds: 0.001, requestId: 1 }, /"seconds" must be a whole number/],
      [{ type: 'setRefresh', seconds: 1e9, requestId: 1 }, /"seconds" must be between 0 and 3600/],
      [{ type: 'setRange', range: '1y', requestId: 1 }, /"range" must be one of 5m, 15m, 1h, 6h/],
      [{ type: 'openPodMetrics', namespace: 'sock-shop', pod: '../../etc', requestId: 1 }, /"pod" has an unexpected form/],
      [{ type: 'setVariable', name: 'namespace', value: [1, 2], requestId: 1 }, /"value" items must each be a string/],
      [{ type: 'refresh' }, /field "requestId" is missing/],
      [{ type: 'refresh', requestId: 1, extra: true }, /unexpected field "extra"/],
      [{ type: 'eval', requestId: 1 }, /unknown message type "eval"/],
      [null, /must be an object/],
      ['ready', /must be an object/],
    ];
    for (const [m, re] of cases) {
      const r = checkMetrics(m);
      assert.equal(r.ok, false, JSON.stringify(m));
      assert.match(!r.ok ? r.error : '', re, JSON.stringify(m));
    }
  });

  it('load panel messages are checked, and it opens only reports under .sockshop/reports', () => {
    assert.ok(checkLoad({ type: 'stop', requestId: 1 }).ok);
    assert.equal(checkLoad({ type: 'stop' }).ok, false, 'every request carries the id its reply answers');
    assert.equal(checkLoad({ type: 'openReport', requestId: 2 }).ok, false);
    assert.equal(checkLoad({ type: 'openReport', path: 42, requestId: 3 }).ok, false);
    const ws = mkdtempSync(join(tmpdir(), 'ws-'));
    try {
      const reports = join(ws, '.sockshop', 'reports');
      assert.ok(reportPathAllowed(join(reports, 'load-1.md'), [ws]));
      assert.ok(reportPathAllowed(join(reports, 'chaos-1.json'), ['/elsewhere', ws]));
      assert.ok(!reportPathAllowed(join(reports, '..', '..', 'secrets.md'), [ws]), '.. cannot climb out');
      assert.ok(!reportPathAllowed(join(reports, 'sub', 'x.md'), [ws]));
      assert.ok(!reportPathAllowed(join(reports, 'load-1.sh'), [ws]));
      assert.ok(!reportPathAllowed('/etc/passwd', [ws]));
      assert.ok(!reportPathAllowed('.sockshop/reports/load-1.md', [ws]), 'relative paths are refused');
      assert.ok(!reportPathAllowed(join(reports, 'load-1.md'), []), 'no workspace, no report');
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  it('YAML documents above the size cap are not parsed for diagnostics', () => {
    assert.equal(diagnosticsSkipReason(10), undefined);
    assert.match(diagnosticsSkipReason(MAX_DIAGNOSTICS_CHARS + 1) ?? '', /more than the 1 M that YAML diagnostics parse/);
    // A document with a real problem under the cap is diagnosed; the same problem padded over the cap is not.
    const bad = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kube-monkey-config-map\ndata:\n  config.toml: |\n    [kubemonkey]\n    time_zone = "Singapore/Singapore"\n';
    assert.ok(chaosDiagnostics(bad).length > 0, 'the small document has a diagnostic');
    const huge = `${bad}#${'x'.repeat(MAX_DIAGNOSTICS_CHARS)}\n`;
    assert.deepEqual(chaosDiagnostics(huge), []);
  });
});

describe('trust: what is saved and shown carries no secret', () => {
  it('redacts header values, cookie values and URL credentials in saved reports', async () => {
    const t = redactTarget({
      url: 'http://user:pw@127.0.0.1:8080/?token=abc',
      headers: { Accept: 'text/html', 'X-Api-Key': 'k3y', Authorization: 'Bearer abc' },
      cookies: ['logged_in=s3cr3t', 'md.sid=xyz'],
    });
    assert.deepEqual(t.headers, { Accept: 'text/html', 'X-Api-Key': '<redacted>', Authorization: '<redacted>' });
    assert.deepEqual(t.cookies, ['logged_in=<redacted>', 'md.sid=<redacted>']);
    assert.equal(t.url, 'http://127.0.0.1:8080/?%3Credacted%3E');
    const ws = mkdtempSync(join(tmpdir(), 'ws-'));
    try {
      const saved = await saveReport(ws, {
        spec: { target: { url: 'http://127.0.0.1:1/', cookies: ['logged_in=s3cr3t'], headers: { 'X-Api-Key': 'k3y' } }, model: { kind: 'closed', requests: 1, concurrency: 1 }, maxRequests: 1, maxDurationSeconds: 1 },
        startedAt: '2026-12-02T00:00:00.000Z', endedAt: '2026-12-02T00:00:01.000Z', endReason: 'completed', durationSeconds: 1, requests: 1, failures: 0, rps: 1,
        latencyMs: { min: 1, mean: 1, p50: 1, p90: 1, p95: 1, p99: 1, max: 1 }, statuses: { '200': 1 }, failuresByCause: {}, endpoints: [], timeline: [],
      } as never);
      for (const f of [saved.json, saved.markdown]) {
        const text = readFileSync(f, 'utf8');
        assert.ok(!text.includes('s3cr3t') && !text.includes('k3y'), f);
      }
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  it('an API server in trouble is one clear message naming the context, never the raw exception', () => {
    // client-node 1.4's ApiException: code, body, headers, and a message that dumps all of them.
    const apiException = Object.assign(new Error('HTTP-Code: 500\nMessage: Unknown API Status Code!\nBody: {"kind":"Status","message":"etcdserver: request timed out"}\nHeaders: {"audit-id":"x"}'), {
      code: 500,
      body: '{"kind":"Status","apiVersion":"v1","status":"Failure","message":"etcdserver: request timed out","code":500}',
      headers: { 'audit-id': 'x' },
    });
    const mapped = kubeError(apiException, { context: 'kwok-sock-shop-lab', server: 'https://127.0.0.1:6443', action: 'apply' });
    assert.ok(mapped instanceof UserError);
    assert.equal(mapped.reason, 'ApiServerError');
    assert.equal(
      mapped.message,
      'The API server of context "kwok-sock-shop-lab" at https://127.0.0.1:6443 answered 500: etcdserver: request timed out. The cluster itself is in trouble (not this request); retry when it recovers.',
    );
    assert.equal(apiServerTrouble(503, undefined), 'service unavailable');
    assert.equal(apiServerTrouble(500, 'invalid: .spec.replicas: expected numeric'), undefined, 'a 500 about one object stays per-object');
    assert.equal(apiServerTrouble(404, 'etcd'), undefined);
    const dump = describeError(Object.assign(new Error('HTTP-Code: 502\nBody: <html>…</html>\nHeaders: {"set-cookie":"a=b"}'), { code: 502 }));
    assert.equal(dump, 'The server answered HTTP 502.');
  });
});

describe('trust: failures stay recoverable', () => {
  it('a failed lazy load is retried on the next use; a success is kept', async () => {
    let calls = 0;
    const load = onceUntilFailure(async () => {
      calls++;
      if (calls === 1) throw new Error('bundle failed to load');
      return 'features';
    });
    await assert.rejects(load(), /bundle failed to load/);
    assert.equal(await load(), 'features');
    assert.equal(await load(), 'features');
    assert.equal(calls, 2);
    // Concurrent callers share one run.
    let runs = 0;
    const shared = onceUntilFailure(async () => (runs++, new Promise((r) => setTimeout(() => r(runs), 10))));
    assert.deepEqual(await Promise.all([shared(), shared()]), [1, 1]);
  });
});

describe('self-contained: the tree reads nothing outside itself', () => {
  it('no tracked file names the directory beside the clone or an absolute home or work path', () => {
    // In a checkout git lists the files; in the clone suite's copy (no .git) the tree is walked.
    const walk = (dir: string, rel = ''): string[] =>
      readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((e) =>
        ['node_modules', '.git', '.lab', 'dist', 'test-results'].includes(e.name) ? [] : e.isDirectory() ? walk(dir, join(rel, e.name)) : [join(rel, e.name)],
      );
    const listed = existsSync(join(REPO_ROOT, '.git'))
      ? execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0')
      : walk(REPO_ROOT);
    const files = listed
      .filter((f) => f && !f.startsWith('test/lab/reference/') && f !== 'package-lock.json' && !/\.(png|jpe?g|vsix)$/.test(f));
    assert.ok(files.length > 100, `${files.length} files checked`);
    const offenders: string[] = [];
    // Built from parts so this file does not match itself.
    const patterns = [
      new RegExp(`\\.\\./${'shared'}/(reference|walk|hooks)`),
      new RegExp(`'\\.\\.',\\s*'${'shared'}'`),
      new RegExp(`${'shared'}/${'reference'}`),
      new RegExp(`(^|[^\\w.])/(${'work'}|${'root'}|home/[a-z]+)/(?=[a-z.])`),
    ];
    for (const f of files) {
      let text: string;
      try {
        text = readFileSync(join(REPO_ROOT, f), 'utf8');
      } catch {
        continue; // deleted in the work tree but still in the index
      }
      const lines = text.split('\n');
      lines.forEach((line, i) => {
        if (patterns.some((p) => p.test(line))) offenders.push(`${f}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
    }
    assert.deepEqual(offenders, []);
  });

  it('the reference data ships in the tree with its origin and licence', () => {
    const dir = join(REPO_ROOT, 'test', 'lab', 'reference');
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    for (const f of ['digitalocean-openapi.yaml', 'grafana-dashboards/*.json', 'kube-prometheus-rules-kubernetes.yaml', 'kube-prometheus-rules-node-exporter.yaml', 'sock-shop-complete-demo.yaml']) {
      assert.ok(readme.includes(`\`${f}\``), `README lists ${f}`);
    }
    assert.match(readme, /Apache-2\.0/);
    assert.match(readFileSync(join(dir, 'LICENSE-Apache-2.0.txt'), 'utf8'), /Apache License\s+Version 2\.0/);
  });
});

describe('typed error reasons', () => {
  it('UserError.is tells errors apart by reason', () => {
    const e = new UserError('x', 'StaleItem');
    assert.ok(UserError.is(e));
    assert.ok(UserError.is(e, 'StaleItem', 'Refused'));
    assert.ok(!UserError.is(e, 'Refused'));
    assert.ok(!UserError.is(new Error('x')));
  });
});
