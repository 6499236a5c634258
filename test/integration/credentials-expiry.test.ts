// Kubeconfig credentials that really expire: the lab's kube-apiserver authenticates the tokens the
// lab's DigitalOcean hands out through its webhook token authenticator (TokenReview v1, served by the
// DigitalOcean fake), which honours each token's expires_at. A kubeconfig fetched with a short expiry
// works, then gets 401; the extension's core turns that into the "credentials expired" problem the
// Workloads view shows (with Refresh Credentials for do- contexts), and Refresh Credentials fetches a
// fresh kubeconfig that works again, read anew as the view does after it (the session reloads the file).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { APISERVER_TOKEN_CACHE_S, type ClusterState } from '../lab/cluster.ts';
import type { DigitalOceanState } from '../lab/digitalocean/index.ts';
import { labInfo } from './hooks.ts';
import { until } from './support.ts';
import { DoClient } from '../../src/core/digitalocean/client.ts';
import { createCluster, refreshCredentials } from '../../src/core/digitalocean/flows.ts';
import { latestVersion } from '../../src/core/digitalocean/validate.ts';
import { UserError } from '../../src/core/errors.ts';
import { clusterProblem } from '../../src/core/kube/errors.ts';
import { getJson, kubeRequest } from '../../src/core/kube/http.ts';
import { loadKubeconfig } from '../../src/core/kube/kubeconfig.ts';
import { buildTree, findNode } from '../../src/core/kube/model.ts';
import { WorkloadWatcher } from '../../src/core/kube/watcher.ts';

const EXPIRY_S = 20;
const CONTEXT = 'do-sgp1-expiring';

describe('lab: DigitalOcean kubeconfig credentials expire like on DOKS', function () {
  this.timeout(150_000);
  let d: DigitalOceanState;
  let cluster: ClusterState;
  let dir: string;

  const lab = async (path: string, body?: unknown): Promise<unknown> => {
    const r = await fetch(`${d.urls.control}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await r.json();
    assert.equal(r.status, 200, `lab control ${path}: ${JSON.stringify(json)}`);
    return json;
  };

  const client = () =>
    new DoClient({ token: d.token, endpoint: d.urls.api, timeoutMs: 15_000, policy: { baseDelayMs: 100, maxDelayMs: 400 }, log: { info: () => undefined, warn: () => undefined } });

  /** GET /api/v1/namespaces with the kubeconfig as it is on disk now: the HTTP status, 200 or the error's. */
  const namespacesStatus = async (path: string): Promise<number> => {
    const { kc } = loadKubeconfig({ settingPath: path });
    return (await kubeRequest(kc, { path: '/api/v1/namespaces?limit=1', timeoutMs: 5000 })).status;
  };

  before(async () => {
    const info = labInfo();
    const comp = info.state.components.digitalocean as DigitalOceanState | undefined;
    if (!comp) throw new Error('the lab runs without its DigitalOcean component (test/lab/digitalocean)');
    d = comp;
    cluster = info.state.components.cluster as ClusterState;
    if (!cluster.tokenWebhookUrl) throw new Error('the lab cluster was created without the token webhook: run `npm run lab -- down` and up again');
    assert.ok(d.urls.tokenReview, 'the DigitalOcean fake serves the TokenReview webhook');
    await lab('/reset', {});
    await lab('/config', { provisionMs: 500, deleteMs: 300 });
    dir = mkdtempSync(join(tmpdir(), 'do-expiry-'));
  });

  after(async () => {
    if (d) await lab('/reset', {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`a ${EXPIRY_S} s kubeconfig works, then gets 401 mapped to "expired"; Refresh Credentials restores access`, async () => {
    const do_ = client();
    const version = latestVersion(await do_.options())!;
    const path = join(dir, 'config');
    const created = await createCluster(
      do_,
      { name: 'expiring', region: 'sgp1', version, size: 's-1vcpu-2gb', count: 2, monitoring: false },
      { poll: { initialDelayMs: 200, factor: 1.5, maxDelayMs: 500, timeoutMs: 30_000 }, kubeconfig: { path, mode: 'merge', expirySeconds: EXPIRY_S } },
    );
    const saved = created.kubeconfig!;
    assert.equal(saved.context, CONTEXT);
    const expiresAt = Date.parse(saved.expiresAt!);
    const left = expiresAt - Date.now();
    assert.ok(left > (EXPIRY_S - 3) * 1000 && left <= EXPIRY_S * 1000, `expires_at ${saved.expiresAt} is ~${EXPIRY_S} s away`);
    const token = YAML.parse(readFileSync(path, 'utf8')).users[0].user.token as string;
    assert.ok(token && token !== cluster.adminToken, 'a token of its own, not the lab admin token');

    // Valid: the apiserver asks the webhook and lets it in, as a cluster admin.
    assert.equal(await namespacesStatus(path), 200);
    const { kc } = loadKubeconfig({ settingPath: path });
    const self = await kubeRequest(kc, {
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
    });
    assert.ok(self.status === 200 || self.status === 201, `SelfSubjectReview: HTTP ${self.status} ${self.body}`);
    const who = JSON.parse(self.body).status.userInfo;
    assert.equal(who.username, `doks:${created.cluster.id}:admin`);
    assert.ok(who.groups.includes('system:masters'), JSON.stringify(who));

    // Until expires_at it keeps working; after it, 401 within the apiserver's cache TTL.
    await until('the token to be near its expiry', EXPIRY_S * 1000, () => Date.now() >= expiresAt - 2000, 200);
    assert.equal(await namespacesStatus(path), 200, 'still valid 2 s before expires_at');
    // The apiserver caches a success for the webhook TTL and, on top, for its own fixed 10 s.
    const ttlMs = Math.max(cluster.tokenCacheTtlSeconds, APISERVER_TOKEN_CACHE_S) * 1000;
    const first401 = await until(`401 after expires_at (cache ${ttlMs / 1000} s)`, EXPIRY_S * 1000 + ttlMs + 10_000, async () => {
      const s = await namespacesStatus(path);
      return s === 401 ? Date.now() : undefined;
    }, 250);
    const lateMs = first401 - expiresAt;
    process.stderr.write(`    token refused ${(lateMs / 1000).toFixed(1)} s after expires_at (webhook cache TTL ${cluster.tokenCacheTtlSeconds} s, apiserver's own ${APISERVER_TOKEN_CACHE_S} s)\n`);
    // The kubeconfig's token comes from its own request, just before the credentials request whose
    // expires_at the extension records: the token may expire up to a second (expires_at has whole
    // seconds) before the recorded time, never later.
    assert.ok(lateMs >= -1500, `refused ${-lateMs} ms before the recorded expires_at`);
    assert.ok(lateMs <= ttlMs + 2000, `refused ${lateMs} ms after expires_at: more than the token cache (${ttlMs} ms) + 2 s`);

    // The extension's core: a cluster-wide problem with the specific message and reason.
    const expired = loadKubeconfig({ settingPath: path }).kc;
    const err = await getJson(expired, '/api/v1/namespaces?limit=1').then(() => undefined, (e: unknown) => e);
    const problem = clusterProblem(err, expired);
    assert.ok(problem instanceof UserError, `mapped: ${String(err)}`);
    assert.equal(problem.reason, 'ExpiredCredentials');
    assert.match(problem.message, new RegExp(`credentials of context "${CONTEXT}" \\(HTTP 401 Unauthorized\\): they are expired or invalid`));
    assert.match(problem.message, /run "Refresh Credentials" on the cluster in the DigitalOcean view/);

    // The Workloads view's watcher on the expired kubeconfig: the same problem, shown atop the tree.
    const w = new WorkloadWatcher(expired, { namespace: 'default', initialBackoffMs: 200, maxBackoffMs: 1000 });
    try {
      await w.start();
      const st = await until('the watcher to report the expired credentials', 15_000, () => (w.state().error instanceof UserError ? w.state() : undefined));
      assert.equal((st.error as UserError).reason, 'ExpiredCredentials');
      const tree = buildTree({ context: CONTEXT, snapshot: w.snapshot(), allNamespaces: false, sockShopNamespace: 'default', now: new Date(), loading: !st.synced, problem: (st.error as Error).message });
      const node = findNode(tree, `${CONTEXT}/!problem`);
      assert.match(node?.label ?? '', /expired or invalid/);
    } finally {
      await w.stop();
    }

    // Refresh Credentials: a fresh kubeconfig replaces the context's user in place, and works.
    const refreshed = await refreshCredentials(do_, created.cluster, { path, expirySeconds: 600 });
    assert.ok(Date.parse(refreshed.expiresAt!) - Date.now() > 590_000);
    const newToken = YAML.parse(readFileSync(path, 'utf8')).users[0].user.token as string;
    assert.notEqual(newToken, token, 'a new token');
    assert.equal(await namespacesStatus(path), 200, 'the refreshed kubeconfig works at once');
    const fresh = new WorkloadWatcher(loadKubeconfig({ settingPath: path }).kc, { namespace: 'default' });
    try {
      await fresh.start();
      const st = await until('the watcher on the refreshed kubeconfig to sync', 15_000, () => (fresh.state().synced && !fresh.state().error ? fresh.state() : undefined));
      assert.equal(st.error, undefined);
    } finally {
      await fresh.stop();
    }
    // The old token stays refused.
    writeFileSync(join(dir, 'old'), readFileSync(path, 'utf8').replace(newToken, token));
    assert.equal(await namespacesStatus(join(dir, 'old')), 401);
  });

  it('a deleted cluster record takes its tokens with it; the lab admin token is unaffected', async () => {
    const do_ = client();
    const version = latestVersion(await do_.options())!;
    const path = join(dir, 'deleted');
    const created = await createCluster(
      do_,
      { name: 'short-lived', region: 'sgp1', version, size: 's-1vcpu-2gb', count: 2, monitoring: false },
      { poll: { initialDelayMs: 200, factor: 1.5, maxDelayMs: 500, timeoutMs: 30_000 }, kubeconfig: { path, mode: 'merge', expirySeconds: 3600 } },
    );
    assert.equal(await namespacesStatus(path), 200);
    await do_.destroyWithAssociatedResources(created.cluster.id);
    await until('the deleted cluster to be gone', 10_000, async () => (await do_.getCluster(created.cluster.id)) === undefined);
    const cacheMs = Math.max(cluster.tokenCacheTtlSeconds, APISERVER_TOKEN_CACHE_S) * 1000;
    await until(`401 once the token cache (${cacheMs / 1000} s) passed`, cacheMs + 10_000, async () => (await namespacesStatus(path)) === 401, 250);
    writeFileSync(join(dir, 'admin'), readFileSync(labInfo().tokenKubeconfig, 'utf8'));
    assert.equal(await namespacesStatus(join(dir, 'admin')), 200);
  });
});
