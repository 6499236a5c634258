// The DigitalOcean flows of the extension (src/core/digitalocean) against the lab's DigitalOcean:
// every request goes through the lab's front URL and Prism, which validates request and response
// against DigitalOcean's official OpenAPI spec. A recorder on the client's own HTTP client fails the
// test on any exchange Prism flagged. Faults come from the fake's control endpoint.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { AxiosResponse } from 'axios';
import YAML from 'yaml';
import type { ClusterState } from '../lab/cluster.ts';
import type { DigitalOceanState } from '../lab/digitalocean/index.ts';
import { installMonitoringStack, uninstallMonitoringStack } from '../lab/monitoring.ts';
import { labInfo } from './hooks.ts';
import { DoClient } from '../../src/core/digitalocean/client.ts';
import { createCluster, destroyCluster, refreshCredentials, type PollOptions } from '../../src/core/digitalocean/flows.ts';
import { DoApiError } from '../../src/core/digitalocean/http.ts';
import { hasContext } from '../../src/core/digitalocean/kubeconfig.ts';
import { ClusterTracker, MemoryStore } from '../../src/core/digitalocean/tracker.ts';
import { latestVersion, type ClusterRequest } from '../../src/core/digitalocean/validate.ts';
import { CancelledError, UserError } from '../../src/core/errors.ts';

interface Exchange {
  method: string;
  path: string;
  status: number | string;
  contentType: string;
  violations: string | null;
  body: string;
}

const FAST_POLL: Partial<PollOptions> = { initialDelayMs: 250, factor: 1.5, maxDelayMs: 1000, timeoutMs: 90_000, maxConsecutiveErrors: 4 };
const OTHER_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: other
  cluster:
    server: https://127.0.0.1:1
contexts:
- name: other
  context:
    cluster: other
    user: other
users:
- name: other
  user:
    token: other-token
current-context: other
`;

describe('DigitalOcean flows through the lab (Prism-validated)', function () {
  this.timeout(180_000);
  let info: ReturnType<typeof labInfo>;
  let d: DigitalOceanState;
  let cluster: ClusterState;
  let exchanges: Exchange[];
  let logLines: string[];
  let thrown: string[];
  let dir: string;
  let version: string;

  const lab = async (path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<any> => {
    const r = await fetch(`${d.urls.control}${path}`, {
      method,
      headers: body !== undefined ? { 'content-type': 'application/json' } : {},
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const json = await r.json();
    assert.equal(r.status, 200, `lab control ${path}: ${JSON.stringify(json)}`);
    return json;
  };

  /** A client on the lab's front URL whose every exchange is recorded. */
  const makeClient = (token = d.token, policy = {}) => {
    const client = new DoClient({
      token,
      endpoint: d.urls.api,
      timeoutMs: 15_000,
      policy: { baseDelayMs: 100, maxDelayMs: 400, ...policy },
      log: { info: (m) => logLines.push(m), warn: (m) => logLines.push(m) },
    });
    const record = (r: AxiosResponse | undefined, err?: { code?: string; config?: { method?: string; url?: string } }) => {
      const cfg = r?.config ?? err?.config;
      const headers = (r?.headers ?? {}) as Record<string, unknown>;
      exchanges.push({
        method: String(cfg?.method ?? '?').toUpperCase(),
        path: String(cfg?.url ?? '?'),
        status: r?.status ?? String(err?.code ?? 'network'),
        contentType: String(headers['content-type'] ?? ''),
        violations: (headers['sl-violations'] as string | undefined) ?? null,
        body: typeof r?.data === 'string' ? r.data.slice(0, 300) : JSON.stringify(r?.data ?? null).slice(0, 300),
      });
    };
    client.http.axios.interceptors.response.use(
      (r) => {
        record(r);
        return r;
      },
      (e) => {
        record(e?.response, e);
        return Promise.reject(e);
      },
    );
    return client;
  };

  const request = (name: string, over: Partial<ClusterRequest> = {}): ClusterRequest => ({
    name,
    region: 'sgp1',
    version,
    size: 's-1vcpu-2gb',
    count: 2,
    monitoring: false,
    ...over,
  });

  /** Runs fn and keeps the message of whatever it throws for the token scan. */
  const capture = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      thrown.push(`${(err as Error).message}\n${(err as Error).stack ?? ''}\n${JSON.stringify(err)}`);
      throw err;
    }
  };

  before(async () => {
    info = labInfo();
    const comp = info.state.components.digitalocean as DigitalOceanState | undefined;
    if (!comp) throw new Error('the lab runs without its DigitalOcean component (test/lab/digitalocean)');
    d = comp;
    cluster = info.state.components.cluster as ClusterState;
    await lab('/reset', {});
    await lab('/config', { provisionMs: 1500, deleteMs: 800 });
    exchanges = [];
    logLines = [];
    const options = await makeClient().options();
    version = latestVersion(options)!;
  });

  beforeEach(async () => {
    exchanges = [];
    logLines = [];
    thrown = [];
    dir = mkdtempSync(join(tmpdir(), 'do-flow-'));
  });

  afterEach(async function () {
    await lab('/faults', undefined, 'DELETE');
    rmSync(dir, { recursive: true, force: true });
    // Every exchange passed Prism's validation (a violation is a problem document or an sl-violations header).
    const flagged = exchanges.filter((e) => e.violations !== null || e.contentType.includes('application/problem+json'));
    assert.deepEqual(flagged, [], `Prism flagged exchanges:\n${flagged.map((e) => `${e.method} ${e.path} ${e.status} ${e.body}`).join('\n')}`);
    // The DigitalOcean token appears in no log line and no error text.
    for (const text of [...logLines, ...thrown]) assert.ok(!text.includes(d.token), `token leaked in: ${text.slice(0, 200)}`);
  });

  after(async () => {
    if (d) await lab('/reset', {});
  });

  it('a contract violation surfaces as one, is not retried, and is caught by the recorder', async () => {
    await lab('/faults', { kind: 'invalid', path: '/v2/account', count: 1 });
    await assert.rejects(capture(() => makeClient().account()), (err: DoApiError) => {
      assert.equal(err.reason, 'ContractViolation');
      assert.match(err.message, /broke the API contract \(HTTP 500\): VIOLATIONS/);
      return true;
    });
    const flagged = exchanges.filter((e) => e.violations !== null || e.contentType.includes('application/problem+json'));
    assert.equal(flagged.length, 1, 'the recorder sees the violation');
    assert.equal(exchanges.length, 1, 'not retried');
    exchanges = []; // expected here; every other test must have none
  });

  describe('bad input is refused before anything is created', () => {
    it('an invalid name', async () => {
      await assert.rejects(capture(() => createCluster(makeClient(), request('Sock_Shop'))), (err: UserError) => {
        assert.equal(err.reason, 'InvalidName');
        assert.match(err.message, /Invalid cluster name "Sock_Shop": A cluster name uses lowercase letters only\./);
        return true;
      });
      assert.equal((await lab('/state')).clusters.length, 0);
      assert.ok(!exchanges.some((e) => e.method === 'POST'), 'no create was sent');
    });

    it('an unknown region', async () => {
      await assert.rejects(capture(() => createCluster(makeClient(), request('sock-shop', { region: 'mars1' }))), (err: UserError) => {
        assert.equal(err.reason, 'UnknownRegion');
        assert.match(err.message, /Unknown region "mars1": DigitalOcean offers Kubernetes in .*sgp1/);
        return true;
      });
      assert.equal((await lab('/state')).clusters.length, 0);
      assert.ok(!exchanges.some((e) => e.method === 'POST'));
    });

    it('a revoked token', async () => {
      const revoked = 'dop_v1_' + 'f'.repeat(64);
      await assert.rejects(capture(() => createCluster(makeClient(revoked), request('sock-shop'))), (err: DoApiError) => {
        assert.equal(err.reason, 'Unauthorized');
        assert.equal(err.status, 401);
        assert.equal(err.apiId, 'Unauthorized');
        assert.match(err.message, /DigitalOcean rejected the token — sign in again .*Unable to authenticate you \(Unauthorized, HTTP 401\)/);
        assert.ok(!err.message.includes(revoked));
        return true;
      });
      assert.equal((await lab('/state')).clusters.length, 0);
      assert.ok(!exchanges.some((e) => e.method === 'POST'));
      assert.ok(exchanges.some((e) => e.status === 401), 'the 401 came from the API through Prism');
    });
  });

  describe('full flow: account → create with monitoring → running → connect → destroy', () => {
    const ns = 'do-client-flow';
    let admin: k8s.CoreV1Api;

    before(async () => {
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(info.kubeconfig);
      admin = kc.makeApiClient(k8s.CoreV1Api);
      await admin.deleteNamespace({ name: ns }).catch(() => undefined);
      for (let i = 0; i < 120 && (await admin.readNamespace({ name: ns }).catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 500));
      // The 1-click must be what brings the Monitoring Stack's Services.
      await uninstallMonitoringStack(info.kubeconfig, { wait: true, timeoutMs: 60_000 });
    });

    after(async () => {
      await admin?.deleteNamespace({ name: ns }).catch(() => undefined);
      // Leave the lab with its Monitoring Stack whatever happened here.
      const present = await admin?.readNamespacedService({ name: 'kube-prometheus-stack-grafana', namespace: 'kube-prometheus-stack' }).catch(() => undefined);
      if (!present) await installMonitoringStack(info.kubeconfig).catch(() => undefined);
    });

    it('creates, connects, shows monitoring, and destroys with its load balancer', async () => {
      const client = makeClient();
      const store = new MemoryStore();
      const tracker = new ClusterTracker(store);
      const kubeconfigPath = join(dir, 'config');
      writeFileSync(kubeconfigPath, OTHER_KUBECONFIG);

      const account = await capture(() => client.account());
      assert.equal(account.status, 'active');

      const progress: string[] = [];
      const t0 = Date.now();
      const result = await capture(() =>
        createCluster(client, request('sock-shop-flow', { monitoring: true }), {
          tracker,
          poll: FAST_POLL,
          progress: (m) => progress.push(m),
          kubeconfig: { path: kubeconfigPath, mode: 'merge', expirySeconds: 3600 },
        }),
      );
      const createMs = Date.now() - t0;
      assert.equal(result.cluster.status?.state, 'running');
      assert.equal(result.recoveredAfterLostAnswer, false);
      assert.deepEqual(result.monitoring, { outcome: 'requested', message: 'Successfully kicked off addon job.' });
      assert.ok(progress.some((p) => /is provisioning/.test(p)), progress.join('\n'));
      assert.equal(result.kubeconfig?.context, 'do-sgp1-sock-shop-flow');
      const left = Date.parse(result.kubeconfig!.expiresAt!) - Date.now();
      assert.ok(left > 3500_000 && left <= 3601_000, `credentials expire at ${result.kubeconfig?.expiresAt}`);
      process.stderr.write(`    create → running → kubeconfig took ${createMs} ms in ${exchanges.length} API exchanges (lab provisionMs 1500)\n`);

      // The merged kubeconfig keeps the other context and connects to the lab with a token.
      const text = readFileSync(kubeconfigPath, 'utf8');
      const doc = YAML.parse(text);
      assert.deepEqual(doc.contexts.map((c: { name: string }) => c.name).sort(), ['do-sgp1-sock-shop-flow', 'other']);
      assert.equal(doc['current-context'], 'do-sgp1-sock-shop-flow');
      assert.ok(!text.includes(d.token), 'the DigitalOcean token is not in the kubeconfig');
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      assert.equal(kc.getCurrentContext(), 'do-sgp1-sock-shop-flow');
      assert.ok(kc.getCurrentUser()?.token, 'token-based user');
      const core = kc.makeApiClient(k8s.CoreV1Api);
      const nodes = await core.listNode();
      assert.deepEqual(nodes.items.map((n) => n.metadata?.name).sort(), [...cluster.nodes].sort());

      // The Monitoring Stack the 1-click installed is visible through the saved kubeconfig.
      let grafana: k8s.V1Service | undefined;
      for (let i = 0; i < 90 && !grafana; i++) {
        grafana = await core.readNamespacedService({ name: 'kube-prometheus-stack-grafana', namespace: 'kube-prometheus-stack' }).catch(() => undefined);
        if (!grafana) await new Promise((r) => setTimeout(r, 1000));
      }
      assert.equal(grafana?.spec?.ports?.[0]?.port, 80, 'Grafana Service from the Monitoring Stack 1-click');
      const prom = await core.readNamespacedService({ name: 'kube-prometheus-stack-prometheus', namespace: 'kube-prometheus-stack' });
      assert.equal(prom.spec?.ports?.[0]?.port, 9090);

      // Refresh credentials replaces the token in place.
      const before = YAML.parse(readFileSync(kubeconfigPath, 'utf8'));
      const refreshed = await capture(() => refreshCredentials(client, result.cluster, { path: kubeconfigPath, expirySeconds: 7200 }, { tracker }));
      const afterDoc = YAML.parse(readFileSync(kubeconfigPath, 'utf8'));
      assert.equal(afterDoc.users.length, before.users.length);
      assert.ok(Date.parse(refreshed.expiresAt!) - Date.now() > 7000_000);
      assert.equal(tracker.get(result.cluster.id)?.credentialsExpireAt, refreshed.expiresAt);

      // A LoadBalancer Service makes a DigitalOcean load balancer tagged with the cluster.
      await admin.createNamespace({ body: { metadata: { name: ns } } });
      await admin.createNamespacedService({
        namespace: ns,
        body: { metadata: { name: 'front-end' }, spec: { type: 'LoadBalancer', selector: { name: 'front-end' }, ports: [{ port: 80, targetPort: 8079 }] } },
      });
      let lbs: Awaited<ReturnType<DoClient['loadBalancersOf']>> = [];
      for (let i = 0; i < 60 && !lbs.some((l) => l.status === 'active'); i++) {
        lbs = await client.loadBalancersOf(result.cluster.id);
        if (!lbs.some((l) => l.status === 'active')) await new Promise((r) => setTimeout(r, 500));
      }
      assert.equal(lbs.length, 1, 'one load balancer for the Service');

      // Destroy lists the load balancer, removes it with the cluster, and removes the context.
      let confirmed: string[] = [];
      const destroyed = await capture(() =>
        destroyCluster(client, { id: result.cluster.id, name: result.cluster.name }, {
          tracker,
          poll: FAST_POLL,
          confirm: (_c, res) => {
            confirmed = res.load_balancers.map((l) => l.id);
            return true;
          },
        }),
      );
      assert.deepEqual(confirmed, [lbs[0].id], 'the load balancer was listed before deleting');
      assert.equal(destroyed.outcome, 'destroyed');
      if (destroyed.outcome === 'destroyed') {
        assert.deepEqual(destroyed.remainingLoadBalancers, []);
        assert.deepEqual(destroyed.contextRemovedFrom, [kubeconfigPath]);
      }
      assert.equal(await client.getCluster(result.cluster.id), undefined);
      assert.deepEqual((await client.listLoadBalancers()).filter((l) => (l.tags ?? []).includes(`k8s:${result.cluster.id}`)), []);
      const finalText = readFileSync(kubeconfigPath, 'utf8');
      assert.equal(hasContext(finalText, 'do-sgp1-sock-shop-flow'), false);
      assert.equal(hasContext(finalText, 'other'), true);
      assert.equal(tracker.get(result.cluster.id), undefined);
      // The destroy used the API's dangerous delete, never a plain one that would orphan the load balancer.
      assert.ok(exchanges.some((e) => e.method === 'DELETE' && e.path.endsWith('/destroy_with_associated_resources/dangerous')));

      // Destroying again is a clear no-op.
      const again = await capture(() => destroyCluster(client, { id: result.cluster.id, name: result.cluster.name, region: 'sgp1' }, { tracker, kubeconfigPaths: [kubeconfigPath] }));
      assert.deepEqual(again, { outcome: 'already-gone', name: 'sock-shop-flow', contextRemovedFrom: [] });
      assert.ok(!JSON.stringify(store.get('sockShop.digitalocean.clusters') ?? []).includes(d.token), 'token not in stored state');
    });
  });

  describe('faults injected by the fake', () => {
    beforeEach(async () => {
      await lab('/reset', {});
      await lab('/config', { provisionMs: 1500, deleteMs: 800 });
    });

    it('a 429 storm: waits as told and completes', async () => {
      await lab('/faults', { kind: 'rate-limit', path: '/v2/kubernetes/clusters', count: 4, retryAfterS: 1 });
      const tracker = new ClusterTracker(new MemoryStore());
      const r = await capture(() => createCluster(makeClient(), request('storm'), { tracker, poll: FAST_POLL }));
      assert.equal(r.cluster.status?.state, 'running');
      assert.equal(exchanges.filter((e) => e.status === 429).length, 4);
      assert.ok(logLines.filter((l) => /HTTP 429; retrying in 1\.\d s/.test(l)).length === 4, logLines.join('\n'));
      assert.equal((await lab('/state')).clusters.filter((c: { name: string }) => c.name === 'storm').length, 1);
    });

    it('intermittent 500s: polls are retried; a 500 on the create is looked up, not blindly re-sent', async () => {
      await lab('/faults', [
        { kind: 'error', method: 'POST', path: '^/v2/kubernetes/clusters$', count: 1, status: 500 },
        { kind: 'error', method: 'GET', path: '^/v2/kubernetes/clusters/[^/]+$', count: 3, status: 503 },
      ]);
      const r = await capture(() => createCluster(makeClient(), request('flaky'), { poll: FAST_POLL }));
      assert.equal(r.cluster.status?.state, 'running');
      const posts = exchanges.filter((e) => e.method === 'POST' && e.path === '/kubernetes/clusters');
      assert.deepEqual(posts.map((p) => p.status), [500, 201]);
      const firstPost = exchanges.indexOf(posts[0]);
      const secondPost = exchanges.indexOf(posts[1]);
      assert.ok(
        exchanges.slice(firstPost, secondPost).some((e) => e.method === 'GET' && e.path === '/kubernetes/clusters'),
        'looked the name up before sending the create again',
      );
      assert.equal((await lab('/state')).clusters.filter((c: { name: string }) => c.name === 'flaky').length, 1);
    });

    it('a create whose answer is dropped: finds the cluster by name, creates no second one', async () => {
      await lab('/faults', { kind: 'drop', method: 'POST', path: '^/v2/kubernetes/clusters$', count: 1, when: 'response' });
      const tracker = new ClusterTracker(new MemoryStore());
      const r = await capture(() => createCluster(makeClient(), request('dropped'), { tracker, poll: FAST_POLL }));
      assert.equal(r.recoveredAfterLostAnswer, true);
      assert.equal(r.cluster.status?.state, 'running');
      assert.equal((await lab('/state')).clusters.filter((c: { name: string }) => c.name === 'dropped').length, 1);
      assert.equal(tracker.all().length, 1);
    });

    it('dropped connections during polling: retried, the flow completes', async () => {
      await lab('/faults', { kind: 'drop', method: 'GET', path: '^/v2/kubernetes/clusters/[^/]+$', count: 3 });
      const r = await capture(() => createCluster(makeClient(), request('drops'), { poll: FAST_POLL }));
      assert.equal(r.cluster.status?.state, 'running');
      assert.ok(exchanges.filter((e) => e.status === 'ECONNRESET' || e.status === 'ERR_NETWORK' || typeof e.status === 'string').length >= 3, JSON.stringify(exchanges.map((e) => e.status)));
    });

    it('polling that keeps failing stops with a specific message; the cluster stays listed', async () => {
      await lab('/config', { provisionMs: 60_000 });
      await lab('/faults', { kind: 'drop', method: 'GET', path: '^/v2/kubernetes/clusters/[^/]+$' });
      const tracker = new ClusterTracker(new MemoryStore());
      const client = makeClient(d.token, { maxAttempts: 2 });
      await assert.rejects(capture(() => createCluster(client, request('lost'), { tracker, poll: { ...FAST_POLL, maxConsecutiveErrors: 2 } })), (err: UserError) => {
        assert.equal(err.reason, 'PollFailed');
        assert.match(err.message, /Lost contact with DigitalOcean while waiting for the cluster to start: Cannot reach DigitalOcean .* the connection was dropped \(ECONNRESET\)/);
        assert.match(err.message, /"lost" \(.+\) keeps being created on DigitalOcean and stays listed in the DigitalOcean view/);
        return true;
      });
      const tracked = tracker.all();
      assert.deepEqual(tracked.map((t) => t.name), ['lost']);
      await lab('/faults', undefined, 'DELETE');
      const listed = await client.listClusters();
      assert.ok(listed.some((c) => c.id === tracked[0].id && c.status?.state === 'provisioning'), 'still listed by the API, not reported running');
    });

    it('a slow create: cancel stops waiting, never the cluster, and says so', async () => {
      await lab('/config', { provisionMs: 60_000 });
      await lab('/faults', { kind: 'delay', method: 'POST', path: '^/v2/kubernetes/clusters$', delayMs: 2000, count: 1 });
      const tracker = new ClusterTracker(new MemoryStore());
      const ac = new AbortController();
      const progress: string[] = [];
      const t0 = Date.now();
      const running = capture(() =>
        createCluster(makeClient(), request('slow'), {
          tracker,
          signal: ac.signal,
          poll: FAST_POLL,
          progress: (m) => {
            progress.push(m);
            if (/is provisioning/.test(m) && progress.filter((p) => /is provisioning/.test(p)).length === 2) ac.abort();
          },
        }),
      );
      await assert.rejects(running, (err: CancelledError) => {
        assert.ok(err instanceof CancelledError);
        assert.match(err.message, /^Stopped waiting\. The cluster "slow" \(.+\) keeps being created on DigitalOcean and stays listed/);
        return true;
      });
      assert.ok(Date.now() - t0 >= 2000, 'the slow create was waited for');
      const state = await lab('/state');
      assert.deepEqual(state.clusters.map((c: { name: string; state: string }) => [c.name, c.state]), [['slow', 'provisioning']]);
      assert.deepEqual(tracker.all().map((t) => t.name), ['slow']);
    });
  });
});
