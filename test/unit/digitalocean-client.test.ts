// The DigitalOcean client's retry, error and redaction behaviour against a real loopback HTTP server
// that answers from a script (429s with Retry-After / ratelimit-reset, 500s, dropped connections, 401).
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DoClient } from '../../src/core/digitalocean/client';
import { createClusterSafely } from '../../src/core/digitalocean/flows';
import { DoApiError, normalizeEndpoint, redact } from '../../src/core/digitalocean/http';
import { backoffMs, decideRetry, DEFAULT_RETRY_POLICY, rateLimitWaitMs } from '../../src/core/digitalocean/retry';
import { CancelledError } from '../../src/core/errors';

const TOKEN = 'dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

type Step = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface Seen {
  method: string;
  url: string;
  auth?: string;
  body: string;
}

class Script {
  server!: Server;
  seen: Seen[] = [];
  private steps = new Map<string, Step[]>();
  private fallback = new Map<string, Step>();

  /** Steps answered in order for `METHOD /path` (path without query); the last repeats. */
  on(key: string, ...steps: Step[]): this {
    this.steps.set(key, steps);
    return this;
  }
  always(key: string, step: Step): this {
    this.fallback.set(key, step);
    return this;
  }
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const key = `${req.method} ${(req.url ?? '').split('?')[0]}`;
        this.seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
        const list = this.steps.get(key);
        const step = list && list.length > 1 ? list.shift()! : list?.[0] ?? this.fallback.get(key);
        if (!step) return json(404, { id: 'not_found', message: `no script for ${key}` })(req, res, body);
        step(req, res, body);
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v2`;
  }
  count(key: string): number {
    return this.seen.filter((s) => `${s.method} ${s.url.split('?')[0]}` === key).length;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Step {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
}
const drop: Step = (req) => req.socket.destroy();

const CLUSTER = {
  id: 'bd5f5959-5e1e-4205-a714-a914373942af',
  name: 'sock-shop',
  region: 'sgp1',
  version: '1.33.13-do.0',
  status: { state: 'provisioning' },
  node_pools: [{ name: 'sock-shop-default-pool', size: 's-1vcpu-2gb', count: 2 }],
};

describe('DigitalOcean retry policy (pure)', () => {
  it('reads Retry-After seconds, Retry-After dates and ratelimit-reset epochs', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    assert.equal(rateLimitWaitMs({ 'retry-after': '3' }, now), 3000);
    assert.equal(rateLimitWaitMs({ 'retry-after': 'Wed, 25 Nov 2026 12:00:05 GMT' }, now), 5000);
    assert.equal(rateLimitWaitMs({ 'ratelimit-reset': String(now / 1000 + 7) }, now), 7000);
    assert.equal(rateLimitWaitMs({}, now), undefined);
  });

  it('retries 5xx and network errors only for idempotent methods, with bounded jittered backoff', () => {
    const st = { attempt: 1, transientFailures: 1, rateLimited: 0, elapsedMs: 0 };
    const net = { kind: 'network', code: 'ECONNRESET' } as const;
    assert.equal(decideRetry('GET', net, st).retry, true);
    assert.equal(decideRetry('DELETE', { kind: 'status', status: 503, headers: {} }, st).retry, true);
    assert.equal(decideRetry('POST', net, st).retry, false);
    assert.equal(decideRetry('POST', { kind: 'status', status: 500, headers: {} }, st).retry, false);
    assert.equal(decideRetry('GET', { kind: 'status', status: 422, headers: {} }, st).retry, false);
    assert.equal(decideRetry('GET', net, { ...st, transientFailures: DEFAULT_RETRY_POLICY.maxAttempts }).retry, false);
    // Jitter stays within [step/2, step] and the step is capped.
    for (const f of [1, 2, 3, 10]) {
      const step = Math.min(DEFAULT_RETRY_POLICY.maxDelayMs, DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** (f - 1));
      assert.equal(backoffMs(DEFAULT_RETRY_POLICY, f, () => 0), step / 2);
      assert.equal(backoffMs(DEFAULT_RETRY_POLICY, f, () => 1), step);
    }
  });

  it('waits on 429 for any method as asked, capped, and gives up after the bounded number of rounds', () => {
    const d = decideRetry('POST', { kind: 'status', status: 429, headers: { 'retry-after': '2' } }, { attempt: 1, transientFailures: 0, rateLimited: 1, elapsedMs: 0 }, DEFAULT_RETRY_POLICY, 0, () => 0);
    assert.deepEqual(d.retry && d.delayMs, 2000);
    const capped = decideRetry('GET', { kind: 'status', status: 429, headers: { 'retry-after': '3600' } }, { attempt: 1, transientFailures: 0, rateLimited: 1, elapsedMs: 0 }, DEFAULT_RETRY_POLICY, 0, () => 0);
    assert.equal(capped.retry && capped.delayMs, DEFAULT_RETRY_POLICY.maxRateLimitWaitMs);
    const over = decideRetry('GET', { kind: 'status', status: 429, headers: {} }, { attempt: 9, transientFailures: 0, rateLimited: DEFAULT_RETRY_POLICY.maxRateLimitRetries + 1, elapsedMs: 0 });
    assert.equal(over.retry, false);
  });
});

describe('DigitalOcean client against a scripted loopback server', function () {
  this.timeout(20_000);
  let script: Script;
  let endpoint: string;
  let lines: string[];
  const waits: number[] = [];
  const client = (policy = {}) =>
    new DoClient({
      token: TOKEN,
      endpoint,
      timeoutMs: 2_000,
      policy: { baseDelayMs: 20, maxDelayMs: 50, defaultRateLimitWaitMs: 30, maxRateLimitWaitMs: 200, ...policy },
      log: { info: (m) => lines.push(m), warn: (m) => lines.push(m) },
      sleep: async (ms) => {
        waits.push(ms);
        await new Promise((r) => setTimeout(r, Math.min(ms, 60)));
      },
    });

  beforeEach(async () => {
    script = new Script();
    endpoint = await script.start();
    lines = [];
    waits.length = 0;
  });
  afterEach(async () => {
    await script.stop();
    // Nothing the client logged may carry the token.
    for (const l of lines) assert.ok(!l.includes(TOKEN), `token in log line: ${l}`);
  });

  it('sends the bearer token and reads the account', async () => {
    script.on('GET /v2/account', json(200, { account: { email: 'sammy@example.com', uuid: 'u1', status: 'active' } }));
    const acct = await client().account();
    assert.equal(acct.email, 'sammy@example.com');
    assert.equal(script.seen[0].auth, `Bearer ${TOKEN}`);
  });

  it('waits out a 429 storm per Retry-After / ratelimit-reset and then succeeds', async () => {
    const reset = String(Math.ceil(Date.now() / 1000));
    script.on(
      'GET /v2/kubernetes/options',
      json(429, { id: 'too_many_requests', message: 'API rate limit exceeded.' }, { 'retry-after': '0.05' }),
      json(429, { id: 'too_many_requests', message: 'API rate limit exceeded.' }, { 'ratelimit-reset': reset }),
      json(429, { id: 'too_many_requests', message: 'API rate limit exceeded.' }),
      json(200, { options: { regions: [{ slug: 'sgp1', name: 'Singapore 1' }], versions: [], sizes: [] } }),
    );
    const o = await client().options();
    assert.deepEqual(o.regions.map((r) => r.slug), ['sgp1']);
    assert.equal(script.count('GET /v2/kubernetes/options'), 4);
    assert.equal(waits.length, 3);
    assert.ok(waits[0] >= 50 && waits[0] < 400, `first wait ${waits[0]} follows Retry-After`);
  });

  it('gives up on an endless 429 storm with a specific message carrying the API id and message', async () => {
    script.on('GET /v2/kubernetes/clusters', json(429, { id: 'too_many_requests', message: 'API rate limit exceeded.' }, { 'retry-after': '0' }));
    await assert.rejects(client({ maxRateLimitRetries: 3 }).listClusters(), (err: DoApiError) => {
      assert.equal(err.reason, 'RateLimited');
      assert.equal(err.apiId, 'too_many_requests');
      assert.match(err.message, /rate limiting.*API rate limit exceeded\. \(too_many_requests, HTTP 429\)/);
      return true;
    });
    assert.equal(script.count('GET /v2/kubernetes/clusters'), 4);
  });

  it('retries intermittent 500s and a dropped connection on GET', async () => {
    script.on(
      'GET /v2/kubernetes/clusters/abc',
      json(500, { id: 'server_error', message: 'Unexpected server-side error' }),
      drop,
      json(503, { id: 'service_unavailable', message: 'try later' }),
      json(200, { kubernetes_cluster: CLUSTER }),
    );
    const c = await client().getCluster('abc');
    assert.equal(c?.name, 'sock-shop');
    assert.equal(script.count('GET /v2/kubernetes/clusters/abc'), 4);
    assert.ok(lines.some((l) => /ECONNRESET|socket hang up|ERR_NETWORK/.test(l)), lines.join('\n'));
  });

  it('stops retrying after the bounded number of attempts with the API error', async () => {
    script.on('GET /v2/load_balancers', json(500, { id: 'server_error', message: 'Unexpected server-side error' }));
    await assert.rejects(client({ maxAttempts: 3 }).listLoadBalancers(), (err: DoApiError) => {
      assert.equal(err.reason, 'ServerError');
      assert.equal(err.apiId, 'server_error');
      assert.match(err.message, /Unexpected server-side error \(server_error, HTTP 500\) \(after 3 attempts\)/);
      return true;
    });
    assert.equal(script.count('GET /v2/load_balancers'), 3);
  });

  it('never re-sends a POST after a 500 or a dropped connection', async () => {
    script.on('POST /v2/kubernetes/clusters', json(500, { id: 'server_error', message: 'boom' }));
    const req = { name: 'sock-shop', region: 'sgp1', version: '1.33.13-do.0', size: 's-1vcpu-2gb', count: 2, monitoring: false };
    await assert.rejects(client().createClusterOnce(req), /may or may not have been carried out/);
    assert.equal(script.count('POST /v2/kubernetes/clusters'), 1);
    script.on('POST /v2/kubernetes/clusters', drop);
    await assert.rejects(client().createClusterOnce(req), (err: DoApiError) => err.reason === 'OutcomeUnknown');
    assert.equal(script.count('POST /v2/kubernetes/clusters'), 2);
  });

  it('after a dropped create, finds the cluster by name instead of creating a second one', async () => {
    let created = false;
    script.on('POST /v2/kubernetes/clusters', (req, res) => {
      created = true; // the API did the work, then the connection dropped before the answer
      drop(req, res, '');
    });
    script.always('GET /v2/kubernetes/clusters', (req, res, body) =>
      json(200, { kubernetes_clusters: created ? [CLUSTER] : [], meta: { total: created ? 1 : 0 } })(req, res, body),
    );
    const req = { name: 'sock-shop', region: 'sgp1', version: '1.33.13-do.0', size: 's-1vcpu-2gb', count: 2, monitoring: false };
    const r = await createClusterSafely(client(), req);
    assert.equal(r.recovered, true);
    assert.equal(r.cluster.id, CLUSTER.id);
    assert.equal(script.count('POST /v2/kubernetes/clusters'), 1);
  });

  it('re-sends a create whose answer was lost only when the name lookup shows nothing was created', async () => {
    script.on('POST /v2/kubernetes/clusters', drop, json(201, { kubernetes_cluster: CLUSTER }));
    script.always('GET /v2/kubernetes/clusters', json(200, { kubernetes_clusters: [], meta: { total: 0 } }));
    const req = { name: 'sock-shop', region: 'sgp1', version: '1.33.13-do.0', size: 's-1vcpu-2gb', count: 2, monitoring: false };
    const r = await createClusterSafely(client(), req);
    assert.equal(r.recovered, false);
    assert.equal(script.count('POST /v2/kubernetes/clusters'), 2);
    assert.ok(script.count('GET /v2/kubernetes/clusters') >= 1, 'looked up by name before re-sending');
  });

  it('treats an answer cut off mid-body like a lost answer (GET retried, POST outcome unknown)', async () => {
    const cut: Step = (req, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"kubernetes_cluster": {"id": "');
      setTimeout(() => req.socket.destroy(), 10);
    };
    script.on('POST /v2/kubernetes/clusters', cut);
    const req = { name: 'sock-shop', region: 'sgp1', version: '1.33.13-do.0', size: 's-1vcpu-2gb', count: 2, monitoring: false };
    await assert.rejects(client().createClusterOnce(req), (err: DoApiError) => {
      assert.equal(err.reason, 'OutcomeUnknown');
      assert.match(err.message, /may or may not have been carried out/);
      return true;
    });
    assert.equal(script.count('POST /v2/kubernetes/clusters'), 1);
    script.on('GET /v2/kubernetes/clusters/abc', cut, json(200, { kubernetes_cluster: CLUSTER }));
    assert.equal((await client().getCluster('abc'))?.id, CLUSTER.id);
    assert.equal(script.count('GET /v2/kubernetes/clusters/abc'), 2);
  });

  it('turns 401 into a sign-in-again error without the token anywhere', async () => {
    script.on('GET /v2/account', json(401, { id: 'Unauthorized', message: 'Unable to authenticate you' }));
    await assert.rejects(client().account(), (err: DoApiError) => {
      assert.equal(err.reason, 'Unauthorized');
      assert.match(err.message, /rejected the token — sign in again/);
      assert.match(err.message, /Unable to authenticate you \(Unauthorized, HTTP 401\)/);
      const everything = JSON.stringify({ ...err, message: err.message, stack: err.stack });
      assert.ok(!everything.includes(TOKEN), 'token in the error');
      return true;
    });
  });

  it('redacts the token even when the API echoes it back', async () => {
    script.on('GET /v2/account', json(403, { id: 'forbidden', message: `token ${TOKEN} lacks scope; Authorization: Bearer ${TOKEN}` }));
    await assert.rejects(client().account(), (err: DoApiError) => {
      assert.ok(!err.message.includes(TOKEN), err.message);
      assert.match(err.message, /\[redacted\]/);
      // The API's own message field, kept for callers, is redacted the same way.
      assert.ok(err.apiMessage && !err.apiMessage.includes(TOKEN), err.apiMessage);
      assert.match(err.apiMessage!, /token \[redacted\] lacks scope; Authorization: Bearer \[redacted\]/);
      assert.ok(!JSON.stringify({ ...err }).includes(TOKEN), 'no field of the error holds the token');
      return true;
    });
  });

  it('reports an unreachable endpoint specifically (connection refused)', async () => {
    const url = endpoint;
    await script.stop();
    script.server = createServer().listen(0); // keeps afterEach's stop() valid
    endpoint = url;
    await assert.rejects(client({ maxAttempts: 2 }).listClusters(), (err: DoApiError) => {
      assert.equal(err.reason, 'Unreachable');
      assert.match(err.message, /Cannot reach DigitalOcean \(127\.0\.0\.1:\d+\) to list Kubernetes clusters: the connection was refused \(ECONNREFUSED\) after 2 attempts/);
      return true;
    });
  });

  it('cancels waiting between retries when the signal fires', async () => {
    script.on('GET /v2/kubernetes/clusters', json(429, { id: 'too_many_requests', message: 'slow down' }, { 'retry-after': '30' }));
    const ac = new AbortController();
    const c = new DoClient({ token: TOKEN, endpoint, policy: { maxRateLimitWaitMs: 30_000 } });
    setTimeout(() => ac.abort(), 150);
    const t0 = Date.now();
    await assert.rejects(c.listClusters(ac.signal), (err) => err instanceof CancelledError);
    assert.ok(Date.now() - t0 < 2_000);
  });

  it('reaches the calls dots-wrapper lacks through the same configured client', async () => {
    script.on('POST /v2/1-clicks/kubernetes', json(200, { message: 'Successfully kicked off addon job.' }));
    script.on('GET /v2/kubernetes/clusters/abc/destroy_with_associated_resources', json(200, { load_balancers: [{ id: 'lb1', name: 'a1b2' }], volumes: [], volume_snapshots: [] }));
    script.on('DELETE /v2/kubernetes/clusters/abc/destroy_with_associated_resources/dangerous', (_q, res) => {
      res.writeHead(204);
      res.end();
    });
    const c = client();
    assert.equal(await c.installOneClicks('abc', ['monitoring']), 'Successfully kicked off addon job.');
    assert.deepEqual((await c.associatedResources('abc'))?.load_balancers, [{ id: 'lb1', name: 'a1b2' }]);
    assert.equal(await c.destroyWithAssociatedResources('abc'), 'deleting');
    assert.deepEqual(JSON.parse(script.seen[0].body), { addon_slugs: ['monitoring'], cluster_uuid: 'abc' });
    for (const s of script.seen) assert.equal(s.auth, `Bearer ${TOKEN}`);
  });
});

describe('DigitalOcean helpers', () => {
  it('redacts tokens and bearer credentials', () => {
    assert.equal(redact(`a ${TOKEN} b`, [TOKEN]), 'a [redacted] b');
    assert.equal(redact('Authorization: Bearer abc.def-ghi', []), 'Authorization: Bearer [redacted]');
  });
  it('normalises the endpoint setting', () => {
    assert.equal(normalizeEndpoint(''), 'https://api.digitalocean.com/v2');
    assert.equal(normalizeEndpoint('http://127.0.0.1:4010'), 'http://127.0.0.1:4010/v2');
    assert.equal(normalizeEndpoint('http://127.0.0.1:4010/v2/'), 'http://127.0.0.1:4010/v2');
    assert.throws(() => normalizeEndpoint('ftp://x'), /must be http/);
  });
});
