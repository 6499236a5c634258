import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  backupPath,
  hasContext,
  mergeKubeconfig,
  removeContext,
  removeContextFromFile,
  replaceCredentials,
  updateKubeconfigFile,
  writeKubeconfigFile,
} from '../../src/core/digitalocean/kubeconfig';

// The shape DigitalOcean's GET /v2/kubernetes/clusters/{id}/kubeconfig returns.
const doKubeconfig = (token: string, server = 'https://bd5f.k8s.ondigitalocean.com') => `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0FEQVRB
    server: ${server}
  name: do-sgp1-sock-shop
contexts:
- context:
    cluster: do-sgp1-sock-shop
    user: do-sgp1-sock-shop-admin
  name: do-sgp1-sock-shop
current-context: do-sgp1-sock-shop
kind: Config
preferences: {}
users:
- name: do-sgp1-sock-shop-admin
  user:
    token: ${token}
`;

const EXISTING = `# my clusters — keep this comment
apiVersion: v1
kind: Config
clusters:
- name: kind-dev
  cluster:
    server: https://127.0.0.1:6443
contexts:
- name: kind-dev
  context:
    cluster: kind-dev
    user: kind-dev
    namespace: default
users:
- name: kind-dev
  user:
    client-certificate-data: Q0VSVA==
current-context: kind-dev
`;

describe('DOKS kubeconfig merge / refresh / remove', () => {
  it('merges under do-<region>-<name>, keeps other entries and comments, switches current-context', () => {
    const merged = mergeKubeconfig(EXISTING, doKubeconfig('tok-1'), 'do-sgp1-sock-shop');
    assert.match(merged, /# my clusters — keep this comment/);
    const js = parse(merged);
    assert.deepEqual(js.contexts.map((c: { name: string }) => c.name), ['kind-dev', 'do-sgp1-sock-shop']);
    assert.deepEqual(js.clusters.map((c: { name: string }) => c.name), ['kind-dev', 'do-sgp1-sock-shop']);
    assert.deepEqual(js.users.map((c: { name: string }) => c.name), ['kind-dev', 'do-sgp1-sock-shop-admin']);
    assert.equal(js['current-context'], 'do-sgp1-sock-shop');
    assert.equal(js.users[1].user.token, 'tok-1');
    assert.equal(js.contexts[0].context.namespace, 'default');
    assert.equal(js.users[0].user['client-certificate-data'], 'Q0VSVA==');
  });

  it('merging twice replaces rather than duplicates', () => {
    const once = mergeKubeconfig(EXISTING, doKubeconfig('tok-1'), 'do-sgp1-sock-shop');
    const twice = mergeKubeconfig(once, doKubeconfig('tok-2'), 'do-sgp1-sock-shop', { setCurrent: false });
    const js = parse(twice);
    assert.equal(js.contexts.length, 2);
    assert.equal(js.users.length, 2);
    assert.equal(js.users[1].user.token, 'tok-2');
  });

  it('starts a config from nothing', () => {
    const js = parse(mergeKubeconfig(undefined, doKubeconfig('t'), 'do-sgp1-sock-shop'));
    assert.equal(js.kind, 'Config');
    assert.equal(js.contexts.length, 1);
  });

  it('replaces only that context\'s credentials in place', () => {
    const merged = mergeKubeconfig(EXISTING, doKubeconfig('old-token'), 'do-sgp1-sock-shop');
    const refreshed = replaceCredentials(merged, 'do-sgp1-sock-shop', doKubeconfig('new-token', 'https://moved.example'));
    const js = parse(refreshed);
    assert.equal(js.users[1].user.token, 'new-token');
    assert.equal(js.clusters[1].cluster.server, 'https://moved.example');
    assert.equal(js.users[0].user['client-certificate-data'], 'Q0VSVA==');
    assert.equal(js.users.length, 2);
    assert.match(refreshed, /keep this comment/);
    assert.throws(() => replaceCredentials(EXISTING, 'do-sgp1-nope', doKubeconfig('x')), /no context "do-sgp1-nope"/);
  });

  it('removes the context with its cluster and user, leaving the rest', () => {
    const merged = mergeKubeconfig(EXISTING, doKubeconfig('t'), 'do-sgp1-sock-shop');
    const { text, removed } = removeContext(merged, 'do-sgp1-sock-shop');
    assert.equal(removed, true);
    const js = parse(text);
    assert.deepEqual(js.contexts.map((c: { name: string }) => c.name), ['kind-dev']);
    assert.deepEqual(js.clusters.map((c: { name: string }) => c.name), ['kind-dev']);
    assert.deepEqual(js.users.map((c: { name: string }) => c.name), ['kind-dev']);
    assert.equal(js['current-context'], '');
    assert.equal(hasContext(text, 'do-sgp1-sock-shop'), false);
    assert.deepEqual(removeContext(text, 'do-sgp1-sock-shop'), { text, removed: false });
  });

  it('keeps a cluster entry another context still uses', () => {
    const merged = mergeKubeconfig(EXISTING, doKubeconfig('t'), 'do-sgp1-sock-shop');
    const extra = merged.replace('contexts:\n', 'contexts:\n  - name: other\n    context:\n      cluster: do-sgp1-sock-shop\n      user: kind-dev\n');
    const js = parse(removeContext(extra, 'do-sgp1-sock-shop').text);
    assert.ok(js.clusters.some((c: { name: string }) => c.name === 'do-sgp1-sock-shop'));
    assert.ok(!js.users.some((u: { name: string }) => u.name === 'do-sgp1-sock-shop-admin'));
  });

  it('refuses to touch a file that is not YAML', () => {
    assert.throws(() => mergeKubeconfig('a: [unclosed', doKubeconfig('t'), 'x'), /not valid YAML.*Nothing was changed/);
  });

  describe('writing files', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kcfg-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('writes 0600 through a rename and keeps a backup of the previous content', () => {
      const path = join(dir, 'sub', 'config');
      writeKubeconfigFile(path, EXISTING);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(existsSync(backupPath(path)), false);
      const changed = updateKubeconfigFile(path, (t) => mergeKubeconfig(t, doKubeconfig('t'), 'do-sgp1-sock-shop'));
      assert.equal(changed, true);
      assert.equal(readFileSync(backupPath(path), 'utf8'), EXISTING);
      assert.ok(hasContext(readFileSync(path, 'utf8'), 'do-sgp1-sock-shop'));
      assert.deepEqual(readdirSync(join(dir, 'sub')).sort(), ['config', 'config.sock-shop.bak']);
    });

    it('creates the backup 0600 even when the previous file was world-readable', () => {
      const path = join(dir, 'config');
      writeFileSync(path, EXISTING);
      chmodSync(path, 0o644);
      updateKubeconfigFile(path, (t) => mergeKubeconfig(t, doKubeconfig('t'), 'do-sgp1-sock-shop'));
      assert.equal(statSync(backupPath(path)).mode & 0o777, 0o600);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      // Overwriting an existing backup keeps it 0600 and leaves no temporary file behind.
      updateKubeconfigFile(path, (t) => replaceCredentials(t ?? '', 'do-sgp1-sock-shop', doKubeconfig('t2')));
      assert.equal(statSync(backupPath(path)).mode & 0o777, 0o600);
      assert.deepEqual(readdirSync(dir).sort(), ['config', 'config.sock-shop.bak']);
    });

    it('removing a context also takes its token out of the backup, and keeps the other entries there', () => {
      const path = join(dir, 'config');
      writeKubeconfigFile(path, EXISTING);
      updateKubeconfigFile(path, (t) => mergeKubeconfig(t, doKubeconfig('first-token'), 'do-sgp1-sock-shop'));
      updateKubeconfigFile(path, (t) => replaceCredentials(t ?? '', 'do-sgp1-sock-shop', doKubeconfig('second-token')));
      assert.match(readFileSync(backupPath(path), 'utf8'), /first-token/);
      assert.equal(removeContextFromFile(path, 'do-sgp1-sock-shop'), true);
      const main = readFileSync(path, 'utf8');
      const backup = readFileSync(backupPath(path), 'utf8');
      for (const text of [main, backup]) {
        assert.doesNotMatch(text, /first-token|second-token/);
        assert.equal(hasContext(text, 'do-sgp1-sock-shop'), false);
      }
      assert.match(backup, /keep this comment/);
      assert.equal(statSync(backupPath(path)).mode & 0o777, 0o600);
    });

    it('a stale backup that no longer parses and names the removed context is deleted', () => {
      // The file itself no longer has the context (removed by hand, say); an old backup still holds it.
      const path = join(dir, 'config');
      writeKubeconfigFile(path, EXISTING);
      writeFileSync(backupPath(path), 'users: [ {name: do-sgp1-sock-shop-admin, token: tok');
      assert.equal(removeContextFromFile(path, 'do-sgp1-sock-shop'), false);
      assert.equal(existsSync(backupPath(path)), false);
      assert.equal(readFileSync(path, 'utf8'), EXISTING);
    });

    it('leaves an unparseable file untouched', () => {
      const path = join(dir, 'config');
      writeFileSync(path, 'a: [unclosed');
      assert.throws(() => updateKubeconfigFile(path, (t) => mergeKubeconfig(t, doKubeconfig('t'), 'x')));
      assert.equal(readFileSync(path, 'utf8'), 'a: [unclosed');
    });
  });
});
