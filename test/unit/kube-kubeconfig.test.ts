import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { UserError } from '../../src/core/errors';
import { kubeError } from '../../src/core/kube/errors';
import {
  credentialProblem,
  describeKubeconfigSource,
  kubeconfigSource,
  loadKubeconfig,
  mergeKubeconfigs,
  resolveRelativePaths,
} from '../../src/core/kube/kubeconfig';

const CERT_PEM = readFileSync(join(import.meta.dirname, 'fixtures', 'client-cert.pem'), 'utf8');

function kubeconfigYaml(o: {
  current?: string;
  clusters?: [string, string, Record<string, unknown>?][];
  users?: [string, Record<string, unknown>][];
  contexts?: [string, string, string, string?][];
}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': o.current ?? '',
    clusters: (o.clusters ?? []).map(([name, server, extra]) => ({ name, cluster: { server, ...extra } })),
    users: (o.users ?? []).map(([name, user]) => ({ name, user })),
    contexts: (o.contexts ?? []).map(([name, cluster, user, namespace]) => ({ name, context: { cluster, user, namespace } })),
  });
}

describe('kubeconfig loading and merging', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kc-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function write(rel: string, text: string): string {
    const p = join(dir, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
    return p;
  }

  it('picks the setting, then KUBECONFIG, then ~/.kube/config', () => {
    assert.deepEqual(kubeconfigSource({ settingPath: '/x/y', env: { KUBECONFIG: '/a' }, home: '/h' }), {
      origin: 'setting',
      paths: ['/x/y'],
    });
    assert.deepEqual(kubeconfigSource({ settingPath: '  ', env: { KUBECONFIG: `/a${delimiter}${delimiter}/b${delimiter}/a` }, home: '/h' }), {
      origin: 'KUBECONFIG',
      paths: ['/a', '/b'],
    });
    assert.deepEqual(kubeconfigSource({ env: {}, home: '/h' }), { origin: 'default', paths: ['/h/.kube/config'] });
    assert.deepEqual(kubeconfigSource({ settingPath: '~/k.yaml', env: {}, home: '/h' }).paths, ['/h/k.yaml']);
  });

  it('merges several KUBECONFIG files: first definition of a name wins', () => {
    const a = write(
      'a/config',
      kubeconfigYaml({
        current: '',
        clusters: [['shared', 'https://a.example:6443']],
        users: [['shared-user', { token: 'token-from-a' }]],
        contexts: [['ctx-a', 'shared', 'shared-user']],
      }),
    );
    const b = write(
      'b/config',
      kubeconfigYaml({
        current: 'ctx-b',
        clusters: [
          ['shared', 'https://b.example:6443'],
          ['only-b', 'https://only-b.example'],
        ],
        users: [['shared-user', { token: 'token-from-b' }]],
        contexts: [
          ['ctx-a', 'only-b', 'shared-user'],
          ['ctx-b', 'only-b', 'shared-user', 'sock-shop'],
        ],
      }),
    );
    const loaded = loadKubeconfig({ env: { KUBECONFIG: [a, b].join(delimiter) } });
    assert.deepEqual(loaded.files, [a, b]);
    assert.deepEqual(loaded.contexts, ['ctx-a', 'ctx-b']);
    // a has an empty current-context, so b's is the first non-empty one.
    assert.equal(loaded.context, 'ctx-b');
    assert.equal(loaded.kc.getCluster('shared')?.server, 'https://a.example:6443');
    assert.equal(loaded.kc.getUser('shared-user')?.token, 'token-from-a');
    assert.equal(loaded.kc.getContextObject('ctx-a')?.cluster, 'shared');
    assert.equal(loaded.kc.getContextObject('ctx-b')?.namespace, 'sock-shop');
  });

  it('first non-empty current-context wins; missing KUBECONFIG files are skipped', () => {
    const one = write('one', kubeconfigYaml({ current: 'c1', clusters: [['k', 'https://k']], users: [['u', { token: 't' }]], contexts: [['c1', 'k', 'u'], ['c2', 'k', 'u']] }));
    const two = write('two', kubeconfigYaml({ current: 'c2', contexts: [['c3', 'k', 'u']] }));
    const loaded = loadKubeconfig({ env: { KUBECONFIG: [join(dir, 'missing'), one, two].join(delimiter) } });
    assert.equal(loaded.fileCurrentContext, 'c1');
    assert.equal(loaded.kc.getCurrentContext(), 'c1');
    assert.deepEqual(loaded.contexts, ['c1', 'c2', 'c3']);
    // An explicit choice (the sockShop.context setting) overrides the file's current-context.
    assert.equal(loadKubeconfig({ env: { KUBECONFIG: [one, two].join(delimiter) }, context: 'c3' }).kc.getCurrentContext(), 'c3');
  });

  it('mergeKubeconfigs ignores nameless entries and keeps order', () => {
    const merged = mergeKubeconfigs([
      { clusters: [{ name: 'x', cluster: { server: 'https://1' } }, { cluster: { server: 'https://nameless' } }] },
      { 'current-context': 'later', clusters: [{ name: 'y', cluster: { server: 'https://2' } }, { name: 'x', cluster: { server: 'https://3' } }] },
    ]);
    assert.deepEqual(merged.clusters?.map((c) => [c.name, (c.cluster as { server: string }).server]), [
      ['x', 'https://1'],
      ['y', 'https://2'],
    ]);
    assert.equal(merged['current-context'], 'later');
  });

  it('resolves relative certificate, key and token-file paths against the file that names them', () => {
    const certDir = join(dir, 'b', 'certs');
    write('b/certs/ca.crt', 'ca');
    write('b/certs/client.crt', CERT_PEM);
    write('b/certs/client.key', 'key');
    write('b/certs/token', 'token-from-file\n');
    const a = write('a/config', kubeconfigYaml({ current: 'ctx', contexts: [['ctx', 'k', 'u']] }));
    const b = write(
      'b/config',
      kubeconfigYaml({
        clusters: [['k', 'https://k.example', { 'certificate-authority': 'certs/ca.crt' }]],
        users: [
          ['u', { 'client-certificate': 'certs/client.crt', 'client-key': './certs/client.key' }],
          ['tok', { 'token-file': 'certs/token' }],
          ['plugin', { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: './bin/auth', args: ['x'] } }],
          ['doctl', { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'doctl', args: ['kubernetes', 'cluster', 'kubeconfig', 'exec-credential', '--version=v1beta1', 'abc'] } }],
        ],
        contexts: [['ctx-tok', 'k', 'tok']],
      }),
    );
    // Run from an unrelated directory to be sure nothing is resolved against the cwd.
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      const loaded = loadKubeconfig({ env: { KUBECONFIG: [a, b].join(delimiter) } });
      assert.equal(loaded.kc.getCluster('k')?.caFile, join(certDir, 'ca.crt'));
      assert.equal(loaded.kc.getUser('u')?.certFile, join(certDir, 'client.crt'));
      assert.equal(loaded.kc.getUser('u')?.keyFile, join(certDir, 'client.key'));
      assert.equal(loaded.kc.getUser('tok')?.token, 'token-from-file\n');
      assert.equal(loaded.kc.getUser('plugin')?.exec.command, join(dir, 'b', 'bin', 'auth'));
      // A bare command name stays a PATH lookup, and exec settings survive the merge.
      assert.equal(loaded.kc.getUser('doctl')?.exec.command, 'doctl');
      assert.deepEqual(loaded.kc.getUser('doctl')?.exec.args.slice(0, 2), ['kubernetes', 'cluster']);
    } finally {
      process.chdir(cwd);
    }
  });

  it('resolveRelativePaths leaves absolute paths and inline data alone', () => {
    const doc = resolveRelativePaths(
      { clusters: [{ name: 'k', cluster: { server: 's', 'certificate-authority': '/abs/ca', 'certificate-authority-data': 'QUJD' } }] },
      '/base',
    );
    assert.deepEqual(doc.clusters?.[0].cluster, { server: 's', 'certificate-authority': '/abs/ca', 'certificate-authority-data': 'QUJD' });
  });

  it('names where the kubeconfig comes from: KUBECONFIG, the setting or the default', () => {
    assert.equal(describeKubeconfigSource(kubeconfigSource({ env: { KUBECONFIG: ['/a', '/b'].join(delimiter) } })), 'KUBECONFIG (/a, /b)');
    assert.equal(describeKubeconfigSource(kubeconfigSource({ settingPath: '/k/c', env: { KUBECONFIG: '/a' } })), 'sockShop.kubeconfigPath (/k/c)');
    assert.equal(describeKubeconfigSource(kubeconfigSource({ env: {}, home: '/h' })), '/h/.kube/config (the default)');
  });

  it('says specifically when there is no kubeconfig or the context is unknown', () => {
    assert.throws(
      () => loadKubeconfig({ env: {}, home: join(dir, 'nohome') }),
      (e: unknown) => e instanceof UserError && e.reason === 'NoKubeconfig' && /does not exist/.test(e.message),
    );
    assert.throws(
      () => loadKubeconfig({ env: { KUBECONFIG: join(dir, 'nope') } }),
      (e: unknown) => e instanceof UserError && e.reason === 'NoKubeconfig' && /none of the files in KUBECONFIG/.test(e.message),
    );
    assert.throws(
      () => loadKubeconfig({ settingPath: join(dir, 'nope') }),
      (e: unknown) =>
        e instanceof UserError &&
        e.reason === 'MissingKubeconfigFile' &&
        e.message === `The kubeconfig file ${join(dir, 'nope')} set in sockShop.kubeconfigPath does not exist. Fix the setting, or clear it to use KUBECONFIG or ~/.kube/config.`,
    );
    const p = write('cfg', kubeconfigYaml({ current: 'gone', clusters: [['k', 'https://k']], users: [['u', {}]], contexts: [['here', 'k', 'u']] }));
    assert.throws(
      () => loadKubeconfig({ settingPath: p }),
      (e: unknown) => e instanceof UserError && e.reason === 'UnknownContext' && /"gone"/.test(e.message) && /here/.test(e.message),
    );
    assert.throws(() => loadKubeconfig({ settingPath: write('bad', 'a: [') }), (e: unknown) => e instanceof UserError && e.reason === 'InvalidKubeconfig');
  });

  it('detects an expired client certificate from its notAfter', () => {
    const notAfter = new Date(new X509Certificate(CERT_PEM).validTo);
    const p = write(
      'cfg',
      kubeconfigYaml({
        current: 'do-sgp1-lab',
        clusters: [['k', 'https://k']],
        users: [['u', { 'client-certificate-data': Buffer.from(CERT_PEM).toString('base64'), 'client-key-data': 'a2V5' }]],
        contexts: [['do-sgp1-lab', 'k', 'u']],
      }),
    );
    const { kc } = loadKubeconfig({ settingPath: p });
    assert.equal(credentialProblem(kc, new Date(notAfter.getTime() - 60_000)), undefined);
    const problem = credentialProblem(kc, new Date(notAfter.getTime() + 60_000));
    assert.ok(problem instanceof UserError);
    assert.equal(problem.reason, 'ExpiredCredentials');
    assert.match(problem.message, /expired/);
    assert.match(problem.message, /Refresh Credentials/);
  });
});

describe('Kubernetes error mapping', () => {
  const ctx = { context: 'do-sgp1-lab', server: 'https://127.0.0.1:6443', action: 'list pods' };

  it('401 means expired or invalid credentials; DigitalOcean contexts get the refresh hint', () => {
    const e = kubeError(Object.assign(new Error('HTTP-Code: 401'), { code: 401, body: '{"kind":"Status","message":"Unauthorized"}' }), ctx);
    assert.ok(e instanceof UserError);
    assert.equal(e.reason, 'ExpiredCredentials');
    assert.match(e.message, /expired or invalid/);
    assert.match(e.message, /7 days/);
    assert.match(e.message, /Refresh Credentials/);
    const other = kubeError(Object.assign(new Error('x'), { code: 401 }), { context: 'kind-lab' }) as UserError;
    assert.doesNotMatch(other.message, /Refresh Credentials/);
  });

  it('403 names who cannot do what', () => {
    const body = JSON.stringify({
      kind: 'Status',
      message: 'pods "carts-1" is forbidden: User "viewer" cannot delete resource "pods" in API group "" in the namespace "sock-shop"',
    });
    const e = kubeError(Object.assign(new Error('HTTP-Code: 403'), { code: 403, body }), ctx) as UserError;
    assert.equal(e.reason, 'Forbidden');
    assert.match(e.message, /RBAC/);
    assert.match(e.message, /User "viewer" cannot delete resource "pods"/);
  });

  it('unreachable clusters name the server URL', () => {
    const refused = Object.assign(new Error('request to https://127.0.0.1:6443/api failed, reason: connect ECONNREFUSED 127.0.0.1:6443'), {
      type: 'system',
      errno: 'ECONNREFUSED',
      code: 'ECONNREFUSED',
    });
    const e = kubeError(refused, ctx) as UserError;
    assert.equal(e.reason, 'Unreachable');
    assert.match(e.message, /https:\/\/127\.0\.0\.1:6443/);
    assert.match(e.message, /ECONNREFUSED/);
    const wrapped = kubeError(new Error('fetch failed', { cause: { code: 'ENOTFOUND' } }), ctx) as UserError;
    assert.equal(wrapped.reason, 'Unreachable');
  });

  it('leaves errors it knows nothing about alone', () => {
    const plain = new Error('boom');
    assert.equal(kubeError(plain, { context: 'c' }), plain);
    const already = new UserError('specific', 'Invalid');
    assert.equal(kubeError(already, ctx), already);
  });
});
