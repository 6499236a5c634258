// The lab's DigitalOcean API, reached the way the extension reaches it: through the front URL and
// Prism validating every request and response against DigitalOcean's official OpenAPI spec. A plain
// fetch client; every exchange that should be valid is checked for Prism's violation markers.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import type { ClusterState } from '../lab/cluster.ts';
import type { DigitalOceanState } from '../lab/digitalocean/index.ts';
import { installMonitoringStack, uninstallMonitoringStack } from '../lab/monitoring.ts';
import { labInfo } from './hooks.ts';

interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: any;
  ms: number;
}

let api = '';
let control = '';
let token = '';

async function call(method: string, path: string, body?: unknown, auth = token): Promise<Res> {
  const t0 = performance.now();
  const r = await fetch(`${api}${path}`, {
    method,
    headers: {
      ...(auth ? { authorization: `Bearer ${auth}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await r.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, text, json, ms: performance.now() - t0 };
}

/** The exchange passed Prism: no violation header and no Prism problem document. */
function assertValid(res: Res, what: string): void {
  assert.equal(res.headers.get('sl-violations'), null, `${what}: Prism reported violations: ${res.headers.get('sl-violations')}`);
  assert.ok(
    !(res.headers.get('content-type') ?? '').includes('application/problem+json'),
    `${what}: Prism answered instead of DigitalOcean: ${res.status} ${res.text.slice(0, 400)}`,
  );
}

async function lab(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<any> {
  const r = await fetch(`${control}${path}`, {
    method,
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const json = await r.json();
  assert.equal(r.status, 200, `lab control ${path}: ${JSON.stringify(json)}`);
  return json;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The name DOKS gives a Service's load balancer: Kubernetes' default, "a" + the uid without dashes, 32 characters. */
const lbName = (uid: string) => `a${uid.replace(/-/g, '')}`.slice(0, 32);

const pool = { name: 'worker-pool', size: 's-1vcpu-2gb', count: 2 };

describe('lab: DigitalOcean API behind Prism', function () {
  let info: ReturnType<typeof labInfo>;
  let cluster: ClusterState;

  before(async function () {
    info = labInfo();
    const d = info.state.components.digitalocean as DigitalOceanState | undefined;
    if (!d) throw new Error('the lab runs without its DigitalOcean component (test/lab/digitalocean)');
    cluster = info.state.components.cluster as ClusterState;
    api = d.urls.api;
    control = d.urls.control;
    token = d.token;
    await lab('/reset', {});
    await lab('/config', { provisionMs: 2000, deleteMs: 1000 });
  });

  afterEach(async () => {
    await lab('/faults', undefined, 'DELETE');
  });

  after(async () => {
    if (control) await lab('/reset', {});
  });

  it('rejects a create without node_pools in Prism, before the fake sees it', async () => {
    const res = await call('POST', '/kubernetes/clusters', { name: 'no-pools', region: 'sgp1', version: 'latest' });
    assert.equal(res.status, 422);
    assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.match(res.json.type, /#UNPROCESSABLE_ENTITY$/);
    assert.ok(
      res.json.validation.some((v: { message: string }) => /node_pools/.test(v.message)),
      JSON.stringify(res.json.validation),
    );
    const state = await lab('/state');
    assert.equal(state.clusters.length, 0, 'the fake created a cluster Prism rejected');
  });

  it('turns an invalid response of the fake into Prism 500 VIOLATIONS', async () => {
    await lab('/faults', { kind: 'invalid', path: '/v2/account', count: 1 });
    const res = await call('GET', '/account');
    assert.equal(res.status, 500);
    assert.match(res.json.type, /#VIOLATIONS$/);
    assert.ok(res.json.validation.length > 0);
    assert.ok(res.json.validation.every((v: { location: string[] }) => v.location[0] === 'response'));
    assert.notEqual(res.headers.get('sl-violations'), null);
    const again = await call('GET', '/account');
    assert.equal(again.status, 200);
    assertValid(again, 'account after the fault');
  });

  it('serves the account, the Kubernetes options and size prices within the contract', async () => {
    const account = await call('GET', '/account');
    assertValid(account, 'account');
    assert.equal(account.json.account.status, 'active');
    const options = await call('GET', '/kubernetes/options');
    assertValid(options, 'options');
    const o = options.json.options;
    assert.ok(o.regions.some((r: { slug: string }) => r.slug === 'sgp1'));
    assert.ok(o.versions.some((v: { slug: string }) => /^1\.33\.\d+-do\.\d+$/.test(v.slug)), JSON.stringify(o.versions));
    assert.ok(o.sizes.some((s: { slug: string }) => s.slug === 's-1vcpu-2gb'));
    const sizes = await call('GET', '/sizes?per_page=200');
    assertValid(sizes, 'sizes');
    const small = sizes.json.sizes.find((s: { slug: string }) => s.slug === 's-1vcpu-2gb');
    assert.ok(small.price_monthly > 0, JSON.stringify(small));
    const clicks = await call('GET', '/1-clicks?type=kubernetes');
    assertValid(clicks, '1-clicks');
    assert.ok(clicks.json['1_clicks'].some((c: { slug: string }) => c.slug === 'monitoring'));
  });

  it("answers a wrong token with DigitalOcean's 401 body", async () => {
    const res = await call('GET', '/account', undefined, 'dop_v1_revoked');
    assertValid(res, '401');
    assert.equal(res.status, 401);
    assert.deepEqual({ id: res.json.id, message: res.json.message }, { id: 'Unauthorized', message: 'Unable to authenticate you' });
  });

  it('rejects an invalid name, an unknown region and an unknown size with 422 and a specific message', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: 'Sock_Shop', region: 'sgp1', version: 'latest', node_pools: [pool] }, /invalid cluster name "Sock_Shop"/],
      [{ name: 'sock-shop', region: 'xyz9', version: 'latest', node_pools: [pool] }, /region "xyz9"/],
      [{ name: 'sock-shop', region: 'sgp1', version: 'latest', node_pools: [{ ...pool, size: 's-64vcpu-1tb' }] }, /invalid size "s-64vcpu-1tb"/],
    ];
    for (const [body, message] of cases) {
      const res = await call('POST', '/kubernetes/clusters', body);
      assertValid(res, JSON.stringify(body));
      assert.equal(res.status, 422);
      assert.equal(res.json.id, 'unprocessable_entity');
      assert.match(res.json.message, message);
    }
    assert.equal((await lab('/state')).clusters.length, 0);
  });

  describe('a cluster from create to destroy with its load balancer', function () {
    let id = '';
    let lbId = '';
    let svcUid = '';
    const ns = 'do-lab-test';
    let admin: k8s.CoreV1Api;

    before(async () => {
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(info.kubeconfig);
      admin = kc.makeApiClient(k8s.CoreV1Api);
      await admin.deleteNamespace({ name: ns }).catch(() => undefined);
      await until('namespace do-lab-test gone', async () => ((await admin.readNamespace({ name: ns }).catch(() => undefined)) ? undefined : true), 60_000);
    });

    after(async () => {
      await admin?.deleteNamespace({ name: ns }).catch(() => undefined);
    });

    it('creates a cluster that goes from provisioning to running', async () => {
      const res = await call('POST', '/kubernetes/clusters', { name: 'sock-shop', region: 'sgp1', version: 'latest', node_pools: [pool] });
      assertValid(res, 'create');
      assert.equal(res.status, 201);
      const c = res.json.kubernetes_cluster;
      id = c.id;
      assert.equal(c.status.state, 'provisioning');
      assert.match(c.version, /^1\.33\./);
      assert.ok(c.tags.includes(`k8s:${id}`));
      assert.equal(c.node_pools[0].nodes.length, 2);
      const early = await call('GET', `/kubernetes/clusters/${id}/kubeconfig`);
      assertValid(early, 'kubeconfig while provisioning');
      assert.equal(early.status, 422);

      const t0 = Date.now();
      const running = await until(
        'the cluster running',
        async () => {
          const g = await call('GET', `/kubernetes/clusters/${id}`);
          assertValid(g, 'get cluster');
          return g.json.kubernetes_cluster.status.state === 'running' ? g.json.kubernetes_cluster : undefined;
        },
        30_000,
      );
      assert.ok(Date.now() - t0 >= 1000, 'the cluster was running at once');
      assert.ok(running.node_pools[0].nodes.every((n: { status: { state: string } }) => n.status.state === 'running'));
      const list = await call('GET', '/kubernetes/clusters');
      assertValid(list, 'list clusters');
      assert.deepEqual(list.json.kubernetes_clusters.map((c: { id: string }) => c.id), [id]);
      const pools = await call('GET', `/kubernetes/clusters/${id}/node_pools`);
      assertValid(pools, 'node pools');
      assert.equal(pools.json.node_pools[0].size, 's-1vcpu-2gb');
    });

    it("hands out a token kubeconfig that lists the lab's nodes, and credentials with expires_at", async () => {
      const res = await call('GET', `/kubernetes/clusters/${id}/kubeconfig?expiry_seconds=600`);
      assertValid(res, 'kubeconfig');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /application\/yaml/);
      const doc = YAML.parse(res.text);
      assert.equal(doc['current-context'], 'do-sgp1-sock-shop');
      assert.equal(doc.clusters[0].cluster.server, cluster.apiserverUrl);
      assert.ok(doc.users[0].user.token, 'a bearer token user');
      assert.equal(doc.users[0].user['client-certificate-data'], undefined);

      const kc = new k8s.KubeConfig();
      kc.loadFromString(res.text);
      const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode();
      assert.deepEqual(nodes.items.map((n) => n.metadata?.name).sort(), [...cluster.nodes].sort());

      const creds = await call('GET', `/kubernetes/clusters/${id}/credentials?expiry_seconds=600`);
      assertValid(creds, 'credentials');
      const left = Date.parse(creds.json.expires_at) - Date.now();
      assert.ok(left > 590_000 && left <= 601_000, `expires_at ${creds.json.expires_at}`);
      assert.equal(creds.json.server, cluster.apiserverUrl);
      const week = await call('GET', `/kubernetes/clusters/${id}/credentials`);
      assert.ok(Date.parse(week.json.expires_at) - Date.now() > 6.9 * 24 * 3600_000, 'default expiry is 7 days');
    });

    it('adds, resizes and deletes a node pool within the contract', async () => {
      const added = await call('POST', `/kubernetes/clusters/${id}/node_pools`, { name: 'extra', size: 's-2vcpu-4gb', count: 1 });
      assertValid(added, 'add node pool');
      assert.equal(added.status, 201);
      const poolId = added.json.node_pool.id;
      const resized = await call('PUT', `/kubernetes/clusters/${id}/node_pools/${poolId}`, { name: 'extra', count: 3 });
      assertValid(resized, 'resize node pool');
      assert.equal(resized.status, 202);
      assert.equal(resized.json.node_pool.nodes.length, 3);
      const del = await call('DELETE', `/kubernetes/clusters/${id}/node_pools/${poolId}`);
      assertValid(del, 'delete node pool');
      assert.equal(del.status, 204);
      const get = await call('GET', `/kubernetes/clusters/${id}/node_pools/${poolId}`);
      assertValid(get, 'deleted node pool');
      assert.equal(get.status, 404);
    });

    it('installs the Monitoring Stack 1-click, whose Services then appear in the lab', async () => {
      await uninstallMonitoringStack(info.kubeconfig, { wait: true, timeoutMs: 60_000 });
      const grafana = () => admin.readNamespacedService({ name: 'kube-prometheus-stack-grafana', namespace: 'kube-prometheus-stack' });
      await assert.rejects(grafana(), 'the stack is still installed before the 1-click');
      try {
        const res = await call('POST', '/1-clicks/kubernetes', { addon_slugs: ['monitoring'], cluster_uuid: id });
        assertValid(res, '1-click');
        assert.equal(res.status, 200);
        assert.equal(res.json.message, 'Successfully kicked off addon job.');
        const svc = await until('kube-prometheus-stack-grafana', () => grafana().catch(() => undefined), 90_000, 1000);
        assert.equal(svc.spec?.ports?.[0]?.port, 80);
        const prom = await admin.readNamespacedService({ name: 'kube-prometheus-stack-prometheus', namespace: 'kube-prometheus-stack' });
        assert.equal(prom.spec?.ports?.[0]?.port, 9090);
        await admin.readNamespace({ name: 'metrics-server' });
        // The install goes on after the Services exist (dashboards, port-forward); the job says when it is done.
        const jobs = await until(
          'the 1-click job finished',
          async () => {
            const { oneClicks } = await lab('/state');
            return oneClicks.every((j: { state: string }) => j.state !== 'installing') ? oneClicks : undefined;
          },
          60_000,
        );
        assert.deepEqual(
          jobs.map((j: { slug: string; state: string; error?: string }) => [j.slug, j.state, j.error]),
          [['monitoring', 'installed', undefined]],
        );
      } catch (err) {
        // Leave the lab as other suites expect it.
        await installMonitoringStack(info.kubeconfig).catch(() => undefined);
        throw err;
      }
    });

    it('shows a LoadBalancer Service of the lab as a load balancer tagged with the cluster', async () => {
      await admin.createNamespace({ body: { metadata: { name: ns } } });
      const svc = await admin.createNamespacedService({
        namespace: ns,
        body: {
          metadata: { name: 'front-end' },
          spec: { type: 'LoadBalancer', selector: { name: 'front-end' }, ports: [{ port: 80, targetPort: 8079 }] },
        },
      });
      svcUid = svc.metadata!.uid!;
      const lb = await until(
        'a load balancer with an IP for the Service',
        async () => {
          const res = await call('GET', '/load_balancers');
          assertValid(res, 'list load balancers');
          const found = res.json.load_balancers.find((l: { name: string }) => l.name === lbName(svcUid));
          return found?.status === 'active' ? found : undefined;
        },
        30_000,
      );
      lbId = lb.id;
      assert.deepEqual(lb.tags, [`k8s:${id}`]);
      assert.equal(lb.region.slug, 'sgp1');
      assert.equal(lb.forwarding_rules[0].entry_port, 80);
      const live = await admin.readNamespacedService({ name: 'front-end', namespace: ns });
      assert.equal(lb.ip, live.status?.loadBalancer?.ingress?.[0]?.ip);
      const one = await call('GET', `/load_balancers/${lbId}`);
      assertValid(one, 'get load balancer');
      assert.equal(one.json.load_balancer.id, lbId);
    });

    it('lists the load balancer as an associated resource, then destroys both', async () => {
      const assoc = await call('GET', `/kubernetes/clusters/${id}/destroy_with_associated_resources`);
      assertValid(assoc, 'associated resources');
      assert.deepEqual(assoc.json.load_balancers, [{ id: lbId, name: lbName(svcUid) }]);
      assert.deepEqual(assoc.json.volumes, []);

      const del = await call('DELETE', `/kubernetes/clusters/${id}/destroy_with_associated_resources/dangerous`);
      assertValid(del, 'dangerous delete');
      assert.equal(del.status, 204);
      const lb = await call('GET', `/load_balancers/${lbId}`);
      assertValid(lb, 'deleted load balancer');
      assert.equal(lb.status, 404);
      assert.equal(lb.json.id, 'not_found');
      const gone = await until(
        'the cluster gone',
        async () => {
          const g = await call('GET', `/kubernetes/clusters/${id}`);
          assertValid(g, 'get deleted cluster');
          if (g.status === 200) assert.equal(g.json.kubernetes_cluster.status.state, 'deleting');
          return g.status === 404 ? g : undefined;
        },
        30_000,
      );
      assert.equal(gone.json.id, 'not_found');
      const lbs = await call('GET', '/load_balancers');
      assert.equal(lbs.json.load_balancers.length, 0);
      const again = await call('DELETE', `/kubernetes/clusters/${id}/destroy_with_associated_resources/dangerous`);
      assertValid(again, 'second destroy');
      assert.equal(again.status, 404);
    });
  });

  describe('fault knobs', function () {
    it("429: DigitalOcean's rate-limit headers and Retry-After, through Prism", async () => {
      await lab('/faults', { kind: 'rate-limit', path: '/v2/account', retryAfterS: 3, count: 1 });
      const res = await call('GET', '/account');
      assertValid(res, '429');
      assert.equal(res.status, 429);
      assert.equal(res.json.id, 'too_many_requests');
      assert.equal(res.headers.get('retry-after'), '3');
      assert.equal(res.headers.get('ratelimit-remaining'), '0');
      assert.equal(res.headers.get('ratelimit-limit'), '5000');
      const reset = Number(res.headers.get('ratelimit-reset'));
      assert.ok(reset * 1000 > Date.now() && reset * 1000 <= Date.now() + 4000, `ratelimit-reset ${reset}`);
      const next = await call('GET', '/account');
      assert.equal(next.status, 200);
      assert.ok(Number(next.headers.get('ratelimit-remaining')) > 0);
    });

    it('N x 5xx, then the normal answer', async () => {
      await lab('/faults', { kind: 'error', status: 503, path: '/v2/kubernetes/clusters', count: 2 });
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await call('GET', '/kubernetes/clusters');
        assertValid(res, `attempt ${i}`);
        statuses.push(res.status);
        if (res.status === 503) assert.equal(res.json.id, 'service_unavailable');
      }
      assert.deepEqual(statuses, [503, 503, 200]);
      await lab('/faults', { kind: 'error', count: 1 });
      const five = await call('GET', '/account');
      assert.equal(five.status, 500);
      assert.equal(five.json.id, 'server_error');
    });

    it('slow responses', async () => {
      await lab('/faults', { kind: 'delay', delayMs: 1500, method: 'GET', path: '/v2/kubernetes/options', count: 1 });
      const slow = await call('GET', '/kubernetes/options');
      assertValid(slow, 'slow');
      assert.equal(slow.status, 200);
      assert.ok(slow.ms >= 1500, `took ${slow.ms} ms`);
      const fast = await call('GET', '/kubernetes/options');
      assert.ok(fast.ms < 1000, `took ${fast.ms} ms`);
    });

    it('dropped connections, before and in the middle of the answer', async () => {
      await lab('/faults', { kind: 'drop', path: '/v2/account', count: 1 });
      await assert.rejects(call('GET', '/account'), (err: Error & { cause?: { code?: string } }) => {
        assert.equal(err.name, 'TypeError'); // undici's "fetch failed"
        assert.match(String(err.cause?.code ?? err.cause), /UND_ERR_SOCKET|ECONNRESET|other side closed/);
        return true;
      });
      await lab('/faults', { kind: 'drop', when: 'response', path: '/v2/account', count: 1 });
      await assert.rejects(call('GET', '/account'));
      assert.equal((await call('GET', '/account')).status, 200);
      // Behind Prism a dropped connection is not seen as one: Prism answers 500 itself.
      await lab('/faults', { kind: 'drop', layer: 'upstream', path: '/v2/account', count: 1 });
      const viaPrism = await call('GET', '/account');
      assert.equal(viaPrism.status, 500);
      assert.match(viaPrism.text, /socket hang up/);
    });
  });
});
