// The lab's DigitalOcean fake without Prism and without a cluster: its state machine on a manual
// clock, its fault rules, and its HTTP answers in-process. The lab cluster is replaced by an
// in-memory stand-in (Services listed from an array, installs counted), since a unit test runs no
// external process; the integration suite covers the real cluster behind Prism.
import assert from 'node:assert/strict';
import { Faults, parseRule } from '../lab/digitalocean/faults.ts';
import type { LabCluster } from '../lab/digitalocean/labcluster.ts';
import { ApiError, DigitalOceanModel, type LbService } from '../lab/digitalocean/model.ts';
import { startFake, type RunningFake } from '../lab/digitalocean/server.ts';

const pool = { name: 'pool-1', size: 's-1vcpu-2gb', count: 2 };
const create = { name: 'sock-shop', region: 'sgp1', version: 'latest', node_pools: [pool] };

function clock(start = Date.UTC(2026, 0, 1)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function svc(uid: string, created: number, ip?: string): LbService {
  return { uid, namespace: 'sock-shop', name: `svc-${uid}`, created, ports: [{ port: 80, nodePort: 30001, protocol: 'TCP' }], ip };
}

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return err;
  }
  assert.fail('no error');
}

describe('lab DigitalOcean model', () => {
  it('moves a cluster provisioning → running → deleting → gone on its clock', () => {
    const c = clock();
    const m = new DigitalOceanModel({ provisionMs: 3000, deleteMs: 1000, now: c.now });
    const created = m.createCluster(create);
    assert.equal(created.status.state, 'provisioning');
    assert.equal(created.node_pools[0].nodes[0].status.state, 'provisioning');
    assert.equal(created.ipv4, '');
    c.advance(2999);
    assert.equal(m.clusterState(created.id), 'provisioning');
    c.advance(1);
    const running = m.getCluster(created.id);
    assert.equal(running.status.state, 'running');
    assert.ok(running.ipv4);
    assert.equal(running.node_pools[0].nodes[1].status.state, 'running');
    m.deleteCluster(created.id);
    assert.equal(m.clusterState(created.id), 'deleting');
    c.advance(1000);
    assert.equal(apiError(() => m.getCluster(created.id)).status, 404);
    assert.deepEqual(m.listClusters(), []);
  });

  it('resolves "latest" and minor versions to the newest 1.33 slug', () => {
    const m = new DigitalOceanModel({ provisionMs: 0, deleteMs: 0 });
    assert.match(m.createCluster(create).version, /^1\.33\.\d+-do\.0$/);
    assert.match(m.createCluster({ ...create, name: 'b', version: '1.33' }).version, /^1\.33\./);
    assert.equal(apiError(() => m.createCluster({ ...create, name: 'c', version: '1.20' })).status, 422);
  });

  it('validates names, regions, sizes, counts and duplicates like DigitalOcean (422)', () => {
    const m = new DigitalOceanModel({ provisionMs: 0, deleteMs: 0 });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...create, name: 'Sock_Shop' }, /invalid cluster name/],
      [{ ...create, name: 'x'.repeat(64) }, /invalid cluster name/],
      [{ ...create, name: '-lead' }, /invalid cluster name/],
      [{ ...create, region: 'mars1' }, /region "mars1"/],
      [{ ...create, node_pools: [{ ...pool, size: 's-99' }] }, /invalid size "s-99"/],
      [{ ...create, node_pools: [{ ...pool, count: 0 }] }, /invalid node count/],
      [{ ...create, node_pools: [] }, /at least one node pool/],
      [{ ...create, node_pools: [pool, pool] }, /used more than once/],
    ];
    for (const [body, re] of cases) {
      const e = apiError(() => m.createCluster(body));
      assert.equal(e.status, 422, JSON.stringify(body));
      assert.equal(e.id, 'unprocessable_entity');
      assert.match(e.message, re);
    }
    m.createCluster(create);
    assert.match(apiError(() => m.createCluster(create)).message, /already exists/);
  });

  it('adds, resizes and deletes node pools, keeping at least one', () => {
    const m = new DigitalOceanModel({ provisionMs: 0, deleteMs: 0 });
    const c = m.createCluster(create);
    const added = m.addPool(c.id, { name: 'big', size: 's-4vcpu-8gb', count: 1 });
    assert.equal(m.listPools(c.id).length, 2);
    assert.equal(m.updatePool(c.id, added.id, { name: 'big', count: 3 }).nodes.length, 3);
    m.deletePool(c.id, added.id);
    assert.equal(apiError(() => m.deletePool(c.id, c.node_pools[0].id)).status, 422);
    assert.equal(apiError(() => m.getPool(c.id, added.id)).status, 404);
  });

  it('gives credentials a 7-day expiry unless expiry_seconds says otherwise', () => {
    const c = clock();
    const m = new DigitalOceanModel({ provisionMs: 0, deleteMs: 0, now: c.now });
    assert.equal(Date.parse(m.credentialsExpiry(undefined)) - c.now(), 7 * 24 * 3600_000);
    assert.equal(Date.parse(m.credentialsExpiry(0)) - c.now(), 7 * 24 * 3600_000);
    assert.equal(Date.parse(m.credentialsExpiry(300)) - c.now(), 300_000);
  });

  it('issues kubeconfig tokens that authenticate until their expires_at, and not for a deleted cluster', () => {
    const c = clock();
    const m = new DigitalOceanModel({ provisionMs: 0, deleteMs: 0, now: c.now });
    const cl = m.createCluster(create);
    const a = m.issueToken(cl.id, 30);
    const b = m.issueToken(cl.id, undefined);
    assert.notEqual(a.token, b.token, 'one token per kubeconfig');
    assert.equal(Date.parse(a.expiresAt) - c.now(), 30_000);
    assert.deepEqual(m.reviewToken(a.token), { authenticated: true, clusterId: cl.id, clusterName: 'sock-shop' });
    c.advance(29_999);
    assert.equal(m.reviewToken(a.token).authenticated, true);
    c.advance(1);
    assert.deepEqual(m.reviewToken(a.token), { authenticated: false, error: `token expired at ${a.expiresAt}` });
    assert.equal(m.reviewToken(b.token).authenticated, true, 'the 7-day token still works');
    assert.deepEqual(m.reviewToken('doks-lab-unknown'), { authenticated: false, error: 'unknown token' });
    assert.equal(m.liveTokens(), 1);
    m.deleteCluster(cl.id);
    assert.deepEqual(m.reviewToken(b.token), { authenticated: false, error: "the token's cluster was deleted" });
    m.reset();
    assert.deepEqual(m.reviewToken(b.token), { authenticated: false, error: 'unknown token' });
  });

  it('accepts the monitoring 1-click only for a running cluster', () => {
    const c = clock();
    const m = new DigitalOceanModel({ provisionMs: 1000, deleteMs: 0, now: c.now });
    const cl = m.createCluster(create);
    assert.match(apiError(() => m.requestOneClicks({ addon_slugs: ['monitoring'], cluster_uuid: cl.id })).message, /provisioning/);
    c.advance(1000);
    assert.deepEqual(m.requestOneClicks({ addon_slugs: ['monitoring'], cluster_uuid: cl.id }), { cluster: cl.id, slugs: ['monitoring'] });
    assert.equal(apiError(() => m.requestOneClicks({ addon_slugs: ['nope'], cluster_uuid: cl.id })).status, 422);
    assert.equal(apiError(() => m.requestOneClicks({ addon_slugs: ['monitoring'], cluster_uuid: '00000000-0000-4000-8000-000000000000' })).status, 404);
  });

  describe('load balancers from LoadBalancer Services', () => {
    it('belong to the newest cluster that existed when the Service was created', () => {
      const c = clock();
      const m = new DigitalOceanModel({ provisionMs: 0, deleteMs: 0, now: c.now });
      m.syncLoadBalancers([svc('before', c.now())]);
      assert.equal(m.listLoadBalancers().length, 0, 'no cluster, no load balancer');
      const a = m.createCluster(create);
      c.advance(5000);
      const older = svc('older', c.now() - 10_000); // created before the cluster
      const newer = svc('newer', c.now(), '127.10.0.1');
      m.syncLoadBalancers([older, newer]);
      const lbs = m.listLoadBalancers();
      assert.equal(lbs.length, 1);
      assert.deepEqual(lbs[0].tags, [`k8s:${a.id}`]);
      assert.equal(lbs[0].status, 'active');
      assert.equal(lbs[0].ip, '127.10.0.1');
      assert.deepEqual(m.associatedResources(a.id).load_balancers, [{ id: lbs[0].id, name: lbs[0].name }]);
    });

    it('carry the id the cloud controller wrote into the Service, also when it was written after the first sync', () => {
      const c = clock();
      const m = new DigitalOceanModel({ provisionMs: 0, deleteMs: 0, now: c.now });
      m.createCluster(create);
      c.advance(1000);
      const id = '4de7ac8b-495b-4884-9a69-1050c6793cd6';
      m.syncLoadBalancers([{ ...svc('s1', c.now(), '127.10.0.2'), lbId: id }]);
      assert.equal(m.listLoadBalancers()[0].id, id);
      const later = '0d8d2f8c-2f0e-4f0a-9d7e-5e3e1c2b7a10';
      m.syncLoadBalancers([svc('s2', c.now())]);
      const first = m.listLoadBalancers().find((lb) => lb.id !== id)!.id;
      m.syncLoadBalancers([{ ...svc('s2', c.now(), '127.10.0.3'), lbId: later }]);
      assert.deepEqual(m.listLoadBalancers().map((lb) => lb.id).filter((x) => x !== id), [later], `re-keyed from ${first}`);
    });

    it('is "new" without an IP and follows the Service; goes when the Service goes', () => {
      const c = clock();
      const m = new DigitalOceanModel({ provisionMs: 0, deleteMs: 0, now: c.now });
      m.createCluster(create);
      c.advance(1000);
      m.syncLoadBalancers([svc('s1', c.now())]);
      assert.equal(m.listLoadBalancers()[0].status, 'new');
      assert.equal(m.listLoadBalancers()[0].ip, '');
      m.syncLoadBalancers([svc('s1', c.now(), '127.10.0.9')]);
      assert.equal(m.listLoadBalancers()[0].ip, '127.10.0.9');
      m.syncLoadBalancers([]);
      assert.equal(m.listLoadBalancers().length, 0);
    });

    it('stay, orphaned, after a plain cluster delete; go with destroy_with_associated_resources', () => {
      const c = clock();
      const m = new DigitalOceanModel({ provisionMs: 0, deleteMs: 0, now: c.now });
      const a = m.createCluster(create);
      c.advance(1000);
      const s = svc('s1', c.now(), '127.10.0.2');
      m.syncLoadBalancers([s]);
      m.deleteCluster(a.id);
      m.syncLoadBalancers([s]);
      assert.equal(m.listLoadBalancers().length, 1, 'a plain delete leaves the load balancer billing');

      const b = m.createCluster({ ...create, name: 'second' });
      c.advance(1000);
      const s2 = svc('s2', c.now(), '127.10.0.3');
      m.syncLoadBalancers([s, s2]);
      assert.equal(m.associatedResources(b.id).load_balancers.length, 1);
      m.destroyDangerous(b.id);
      m.syncLoadBalancers([s, s2]);
      const left = m.listLoadBalancers();
      assert.deepEqual(left.map((l) => l.tags[0]), [`k8s:${a.id}`], 'only the orphan of the first cluster is left');
      assert.equal(apiError(() => m.associatedResources(b.id)).status, 404);
    });

    it('are not recreated for a Service whose load balancer was deleted', () => {
      const c = clock();
      const m = new DigitalOceanModel({ provisionMs: 0, deleteMs: 0, now: c.now });
      m.createCluster(create);
      c.advance(1000);
      const s = svc('s1', c.now());
      m.syncLoadBalancers([s]);
      m.deleteLoadBalancer(m.listLoadBalancers()[0].id);
      m.syncLoadBalancers([s]);
      assert.equal(m.listLoadBalancers().length, 0);
      assert.equal(apiError(() => m.deleteLoadBalancer('nope')).status, 404);
    });
  });
});

describe('lab DigitalOcean fault rules', () => {
  it('parse with defaults and reject nonsense', () => {
    assert.deepEqual(parseRule({ kind: 'error' }), { kind: 'error', status: 500 });
    assert.deepEqual(parseRule({ kind: 'rate-limit', count: 3 }), { kind: 'rate-limit', count: 3, retryAfterS: 2 });
    assert.deepEqual(parseRule({ kind: 'drop' }), { kind: 'drop', when: 'request', layer: 'front' });
    assert.throws(() => parseRule({ kind: 'explode' }), /fault kind must be one of/);
    assert.throws(() => parseRule({ kind: 'delay' }), /needs delayMs/);
    assert.throws(() => parseRule({ kind: 'error', status: 404 }), /status must be/);
    assert.throws(() => parseRule({ kind: 'error', path: '^(' }), /Invalid regular expression/);
  });

  it('apply to matching requests for their count, by layer', () => {
    const f = new Faults();
    f.add(parseRule({ kind: 'error', method: 'get', path: '/v2/kubernetes/clusters', count: 2 }));
    f.add(parseRule({ kind: 'drop', path: '^/v2/account$' }));
    assert.equal(f.take('upstream', 'POST', '/v2/kubernetes/clusters'), undefined);
    assert.equal(f.take('upstream', 'GET', '/v2/kubernetes/clusters/x')?.hits, 1);
    assert.equal(f.take('upstream', 'GET', '/v2/kubernetes/clusters')?.hits, 2);
    assert.equal(f.take('upstream', 'GET', '/v2/kubernetes/clusters'), undefined, 'used up');
    assert.equal(f.take('upstream', 'GET', '/v2/account'), undefined, 'a front drop is not applied upstream');
    assert.equal(f.take('front', 'GET', '/v2/account/keys'), undefined);
    assert.equal(f.take('front', 'GET', '/v2/account')?.kind, 'drop');
    assert.equal(f.take('front', 'GET', '/v2/account')?.hits, 2, 'no count: until cleared');
    f.clear();
    assert.deepEqual(f.list(), []);
  });
});

describe('lab DigitalOcean fake over HTTP (no Prism)', () => {
  let fake: RunningFake;
  let services: LbService[] = [];
  let installs = 0;
  let listFails = false;
  const token = 'dop_v1_unit';
  const cluster: LabCluster = {
    access: () => ({ server: 'https://127.0.0.1:6443', caData: Buffer.from('ca').toString('base64'), token: 'kube-token' }),
    loadBalancerServices: async () => {
      if (listFails) throw new Error('connect ECONNREFUSED');
      return services;
    },
    installMonitoring: async () => {
      installs++;
    },
    checkInstaller: async () => undefined,
  };
  const get = (path: string, auth = token) => fetch(`${fake.fakeUrl}${path}`, { headers: { authorization: `Bearer ${auth}` } });
  const post = (path: string, body: unknown) =>
    fetch(`${fake.fakeUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** Polls cond every 10 ms for up to 10 s; fails naming what did not happen. */
  async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await cond())) {
      if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  before(async () => {
    fake = await startFake({ fakePort: 0, token, provisionMs: 200, deleteMs: 100, kubeconfig: '/nonexistent', home: '/nonexistent', tokenReviewPort: 0 }, cluster, () => undefined);
  });
  after(() => fake?.close());
  beforeEach(async () => {
    await fetch(`${fake.fakeUrl}/_lab/reset`, { method: 'POST' });
    services = [];
    installs = 0;
    listFails = false;
  });

  it("answers 401 with DigitalOcean's body and rate-limit headers", async () => {
    const r = await get('/v2/account', 'wrong');
    assert.equal(r.status, 401);
    assert.deepEqual(Object.keys(await r.json()).sort(), ['id', 'message', 'request_id']);
    assert.equal(r.headers.get('ratelimit-limit'), '5000');
  });

  it('revokes the token at run time through /_lab/config', async () => {
    assert.equal((await get('/v2/account')).status, 200);
    await fetch(`${fake.fakeUrl}/_lab/config`, { method: 'POST', body: JSON.stringify({ token: 'rotated' }) });
    assert.equal((await get('/v2/account')).status, 401);
    assert.equal((await get('/v2/account', 'rotated')).status, 200);
  });

  it('serves a token kubeconfig in YAML once the cluster runs, and installs the 1-click in the background', async () => {
    const created = await (await post('/v2/kubernetes/clusters', create)).json();
    const id = created.kubernetes_cluster.id;
    assert.equal((await get(`/v2/kubernetes/clusters/${id}/kubeconfig`)).status, 422);
    // Provisioning takes 200 ms on the fake's clock: poll for the state, not for a time.
    await until(async () => (await get(`/v2/kubernetes/clusters/${id}`).then((x) => x.json())).kubernetes_cluster.status.state === 'running', 'the cluster is running');
    const kc = await get(`/v2/kubernetes/clusters/${id}/kubeconfig`);
    assert.equal(kc.headers.get('content-type'), 'application/yaml');
    const text = await kc.text();
    assert.match(text, /server: https:\/\/127\.0\.0\.1:6443/);
    const kubeToken = /token: (doks-lab-[0-9a-f]{48})/.exec(text)?.[1];
    assert.ok(kubeToken, `a token of its own, not the lab's admin token:\n${text}`);
    assert.ok(!text.includes('kube-token'));
    assert.match(text, /current-context: do-sgp1-sock-shop/);
    // The apiserver's webhook token authenticator asks about it with a TokenReview v1.
    const review = async (tok: string) => {
      const r = await fetch(fake.tokenReviewUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: tok, audiences: ['https://kubernetes.default.svc.cluster.local'] } }),
      });
      assert.equal(r.status, 200);
      return (await r.json()).status;
    };
    const ok = await review(kubeToken);
    assert.equal(ok.authenticated, true);
    assert.equal(ok.user.username, `doks:${id}:admin`);
    assert.deepEqual(ok.user.groups, ['system:masters', 'system:authenticated']);
    assert.deepEqual(ok.audiences, ['https://kubernetes.default.svc.cluster.local']);
    assert.deepEqual(await review('kube-token'), { authenticated: false, error: 'unknown token' });
    const bad = await fetch(fake.tokenReviewUrl!, { method: 'POST', body: JSON.stringify({ kind: 'TokenReview' }) });
    assert.equal(bad.status, 400);
    const r = await post('/v2/1-clicks/kubernetes', { addon_slugs: ['monitoring'], cluster_uuid: id });
    assert.equal(r.status, 200);
    const state = await (await fetch(`${fake.fakeUrl}/_lab/state`)).json();
    assert.equal(state.oneClicks.length, 1);
    await until(async () => installs === 1, 'the 1-click install ran');
    assert.equal(installs, 1);
  });

  it('answers unknown ids with 404 not_found and a wrong method with 405', async () => {
    const r = await get('/v2/kubernetes/clusters/00000000-0000-4000-8000-000000000000');
    assert.equal(r.status, 404);
    assert.equal((await r.json()).id, 'not_found');
    const put = await fetch(`${fake.fakeUrl}/v2/account`, { method: 'PUT', headers: { authorization: `Bearer ${token}` } });
    assert.equal(put.status, 405);
  });

  it('applies rate-limit, error and invalid faults for their count only', async () => {
    await post('/_lab/faults', [
      { kind: 'rate-limit', retryAfterS: 7, count: 1 },
      { kind: 'error', status: 502, count: 1 },
      { kind: 'invalid', count: 1 },
    ]);
    const limited = await get('/v2/account');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '7');
    assert.equal(limited.headers.get('ratelimit-remaining'), '0');
    assert.equal((await get('/v2/account')).status, 502);
    const invalid = await get('/v2/account');
    assert.equal(invalid.status, 200);
    assert.equal((await invalid.json()).account, 'lab: deliberately invalid');
    assert.equal((await get('/v2/account')).status, 200);
  });

  it('drops the connection when asked to behind the front', async () => {
    await post('/_lab/faults', { kind: 'drop', layer: 'upstream', count: 1 });
    await assert.rejects(get('/v2/account'));
    assert.equal((await get('/v2/account')).status, 200);
  });

  it('rejects a bad fault rule with 400 and the reason', async () => {
    const r = await post('/_lab/faults', { kind: 'delay' });
    assert.equal(r.status, 400);
    assert.match((await r.json()).error, /delayMs/);
  });

  it("lists load balancers from the cluster's LoadBalancer Services", async () => {
    const created = await (await post('/v2/kubernetes/clusters', create)).json();
    const id = created.kubernetes_cluster.id;
    services = [svc('11111111-2222-4333-8444-555555555555', Date.now() + 1000, '127.10.0.7')];
    const list = await (await get('/v2/load_balancers')).json();
    assert.equal(list.meta.total, 1);
    assert.equal(list.load_balancers[0].name, 'a11111111222243338444555555555555'.slice(0, 32));
    assert.deepEqual(list.load_balancers[0].tags, [`k8s:${id}`]);
    // The control plane going away (the lab's apiserver fault) does not break DigitalOcean's API.
    listFails = true;
    await new Promise((r) => setTimeout(r, 10));
    const stale = await get('/v2/load_balancers');
    assert.equal(stale.status, 200);
    assert.equal((await stale.json()).meta.total, 1);
  });
});
