// The lab data plane's pure parts: the loopback address mapping, Service env vars, the proxy's choice of
// endpoints and listen addresses, the kubelet's probe/preStop/back-off rules, and the Sock Shop apps
// themselves (served on 127.0.0.1 with a stand-in for the other services' addresses).
import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { isLoopback, labAddress, serviceEnv, serviceFromEnv, SERVICE_CLUSTER_IP_RANGE } from '../lab/dataplane/addresses.ts';
import { createApp, imageRepo, knownImage, SOCKS, type AppContext } from '../lab/dataplane/apps.ts';
import { delayFromEnv, frontends, readyEndpoints, DEFAULT_PROPAGATION_DELAY_MS } from '../lab/dataplane/proxy.ts';
import { backoffMs, criLine, preStopSleepSeconds, probeTiming, resolvePort, Runtime } from '../lab/dataplane/runtime.ts';

describe('lab data plane: addresses', () => {
  it('maps pod IPs 10.a.b.c to 127.a.b.c and keeps loopback as it is', () => {
    assert.equal(labAddress('10.244.0.7'), '127.244.0.7');
    assert.equal(labAddress('10.245.3.254'), '127.245.3.254');
    assert.equal(labAddress('127.96.0.12'), '127.96.0.12');
    assert.equal(labAddress('127.10.0.1'), '127.10.0.1');
  });

  it('refuses every address that is neither a pod IP nor loopback', () => {
    for (const ip of ['192.168.1.10', '172.17.0.2', '8.8.8.8', '169.254.1.1', '::1', 'front-end', '10.0.0.1', '10.244.0.256']) {
      assert.throws(() => labAddress(ip), /not|would map|IPv4/, ip);
    }
  });

  it('recognises 127.0.0.0/8 only as loopback', () => {
    assert.ok(isLoopback('127.0.0.1') && isLoopback('127.244.1.2') && isLoopback('127.96.0.1'));
    assert.ok(!isLoopback('10.244.0.1') && !isLoopback('128.0.0.1') && !isLoopback(undefined) && !isLoopback('127.1'));
    assert.equal(SERVICE_CLUSTER_IP_RANGE, '127.96.0.0/16');
  });

  it('builds kubelet-style Service env vars and reads them back as a loopback address', () => {
    const env = serviceEnv([
      { name: 'catalogue', clusterIP: '127.96.0.12', ports: [{ name: 'http', port: 80 }] },
      { name: 'front-end', clusterIP: '127.96.3.4', ports: [{ port: 80, protocol: 'TCP' }, { name: 'metrics', port: 9100 }] },
      { name: 'headless', clusterIP: 'None', ports: [{ port: 1 }] },
    ]);
    assert.equal(env.CATALOGUE_SERVICE_HOST, '127.96.0.12');
    assert.equal(env.CATALOGUE_SERVICE_PORT, '80');
    assert.equal(env.CATALOGUE_SERVICE_PORT_HTTP, '80');
    assert.equal(env.CATALOGUE_PORT, 'tcp://127.96.0.12:80');
    assert.equal(env.CATALOGUE_PORT_80_TCP_ADDR, '127.96.0.12');
    assert.equal(env.FRONT_END_SERVICE_HOST, '127.96.3.4');
    assert.equal(env.FRONT_END_SERVICE_PORT_METRICS, '9100');
    assert.equal(env.FRONT_END_PORT_9100_TCP, 'tcp://127.96.3.4:9100');
    assert.ok(!Object.keys(env).some((k) => k.startsWith('HEADLESS')));
    assert.deepEqual(serviceFromEnv(env, 'front-end'), { host: '127.96.3.4', port: 80 });
    assert.equal(serviceFromEnv(env, 'carts'), undefined);
    assert.throws(() => serviceFromEnv({ X_SERVICE_HOST: '192.168.0.1', X_SERVICE_PORT: '80' }, 'x'), /neither|would map/);
  });
});

describe('lab data plane: proxy rules', () => {
  const slice = (ports: { name?: string; port: number }[], endpoints: { addresses: string[]; conditions?: Record<string, boolean> }[]) =>
    ({ metadata: { name: 's', uid: 'u', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'front-end' } }, ports, endpoints }) as never;

  it('routes to ready, non-terminating endpoints of the named port, mapped to loopback', () => {
    const s1 = slice([{ name: 'http', port: 8079 }], [
      { addresses: ['10.244.0.5'], conditions: { ready: true } },
      { addresses: ['10.244.1.6'], conditions: { ready: false } },
      { addresses: ['10.244.1.7'], conditions: { ready: false, serving: true, terminating: true } },
      { addresses: ['10.244.0.8'] },
    ]);
    const s2 = slice([{ name: 'http', port: 8079 }, { name: 'other', port: 1 }], [{ addresses: ['10.244.1.9'], conditions: { ready: true } }]);
    assert.deepEqual(readyEndpoints([s1, s2], 'http'), ['127.244.0.5:8079', '127.244.0.8:8079', '127.244.1.9:8079']);
    assert.deepEqual(readyEndpoints([s1, s2], 'other'), ['127.244.1.9:1']);
    assert.deepEqual(readyEndpoints([s1], undefined), []);
    const skipped: string[] = [];
    const foreign = slice([{ name: 'http', port: 80 }], [{ addresses: ['192.0.2.2', '10.244.0.3'], conditions: { ready: true } }]);
    assert.deepEqual(readyEndpoints([foreign], 'http', (a) => skipped.push(a)), ['127.244.0.3:80'], 'an address off the pod network is never routed to');
    assert.deepEqual(skipped, ['192.0.2.2']);
    const unnamed = slice([{ port: 80 }], [{ addresses: ['10.244.0.2'], conditions: { ready: true } }]);
    assert.deepEqual(readyEndpoints([unnamed], undefined), ['127.244.0.2:80']);
  });

  it('listens on the ClusterIP, the LoadBalancer address and NodePorts, loopback only', () => {
    const lb = frontends({
      spec: { type: 'LoadBalancer', clusterIP: '127.96.0.20', clusterIPs: ['127.96.0.20'], ports: [{ name: 'http', port: 80, nodePort: 31000 }, { port: 53, protocol: 'UDP' }] },
      status: { loadBalancer: { ingress: [{ ip: '127.10.0.1' }, { ip: '203.0.113.5' }] } },
    });
    assert.deepEqual(lb.map((f) => `${f.address}:${f.port}`), ['127.96.0.20:80', '127.10.0.1:80']);
    const np = frontends({ spec: { type: 'NodePort', clusterIP: '127.96.0.21', ports: [{ port: 80, nodePort: 30001 }] } });
    assert.deepEqual(np.map((f) => `${f.address}:${f.port}`), ['127.96.0.21:80', '127.0.0.1:30001']);
    assert.deepEqual(frontends({ spec: { clusterIP: 'None', ports: [{ port: 80 }] } }), []);
    assert.deepEqual(frontends({ spec: { clusterIP: '10.96.0.1', ports: [{ port: 443 }] } }), [], 'a non-loopback ClusterIP is never served');
  });

  it('propagation delay: 1 s by default, configurable, validated', () => {
    assert.equal(DEFAULT_PROPAGATION_DELAY_MS, 1000);
    assert.equal(delayFromEnv({}), 1000);
    assert.equal(delayFromEnv({ SOCK_SHOP_LAB_PROXY_DELAY_MS: '250' }), 250);
    assert.throws(() => delayFromEnv({ SOCK_SHOP_LAB_PROXY_DELAY_MS: 'soon' }), /milliseconds/);
  });
});

describe('lab data plane: kubelet rules', () => {
  it('probe timing uses Kubernetes defaults', () => {
    assert.deepEqual(probeTiming({}), { initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1_000, success: 1, failure: 3 });
    assert.deepEqual(probeTiming({ initialDelaySeconds: 10, periodSeconds: 3 }), { initialDelayMs: 10_000, periodMs: 3_000, timeoutMs: 1_000, success: 1, failure: 3 });
  });

  it('resolves named ports', () => {
    assert.equal(resolvePort(8079), 8079);
    assert.equal(resolvePort('8079'), 8079);
    assert.equal(resolvePort('http', [{ name: 'http', containerPort: 8079 }]), 8079);
    assert.throws(() => resolvePort('metrics', [{ name: 'http', containerPort: 1 }]), /no container port named "metrics"/);
  });

  it('understands preStop sleeps', () => {
    assert.equal(preStopSleepSeconds(['sh', '-c', 'sleep 5']), 5);
    assert.equal(preStopSleepSeconds(['/bin/sh', '-c', 'sleep 2.5']), 2.5);
    assert.equal(preStopSleepSeconds(['sleep', '10']), 10);
    assert.equal(preStopSleepSeconds(['/bin/sleep', '3s']), 3);
    assert.equal(preStopSleepSeconds(['nginx', '-s', 'quit']), undefined);
    assert.equal(preStopSleepSeconds(undefined), undefined);
  });

  it('crash back-off: 10 s doubling up to 5 minutes', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(backoffMs), [10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  });

  it('writes CRI log lines', () => {
    assert.equal(criLine('GET / 200', new Date('2026-01-02T03:04:05.678Z')), '2026-01-02T03:04:05.678Z stdout F GET / 200\n');
  });

  it('runs pods whose images it knows, leaves the rest to kwok', () => {
    const pod = (images: string[], extra: Record<string, unknown> = {}) =>
      ({ metadata: { name: 'p', uid: 'u' }, spec: { nodeName: 'lab-pool-01', containers: images.map((image, i) => ({ name: `c${i}`, image })), ...extra } }) as never;
    assert.ok(Runtime.runs(pod(['weaveworksdemos/front-end:0.3.12'])));
    assert.ok(Runtime.runs(pod(['rabbitmq:3.6.8-management', 'kbudde/rabbitmq-exporter'])));
    assert.ok(Runtime.runs(pod(['docker.io/library/mongo:4.4'])));
    assert.ok(!Runtime.runs(pod(['nginx:1.27'])));
    assert.ok(!Runtime.runs(pod(['weaveworksdemos/carts:0.4.8', 'busybox'])));
    assert.ok(!Runtime.runs(pod(['weaveworksdemos/carts:0.4.8'], { hostNetwork: true })));
    assert.ok(!Runtime.runs(pod(['weaveworksdemos/carts:0.4.8'], { nodeName: undefined })));
    assert.equal(imageRepo('registry-1.docker.io/weaveworksdemos/carts:0.4.8@sha256:abc'), 'weaveworksdemos/carts');
    assert.equal(imageRepo('localhost:5000/x/y'), 'localhost:5000/x/y');
    assert.ok(!knownImage('locustio/locust'));
  });
});

describe('lab data plane: Sock Shop apps', () => {
  const servers: Server[] = [];
  const stores = new Map<string, Map<string, unknown>>();
  const env: Record<string, string> = {};
  const logs: Record<string, string[]> = {};

  async function start(name: string, image: string): Promise<number> {
    logs[name] = [];
    const ctx: AppContext = {
      namespace: 'ns',
      pod: `${name}-0`,
      env,
      log: (l) => logs[name].push(l),
      store: (s) => {
        if (!stores.has(s)) stores.set(s, new Map());
        return stores.get(s)!;
      },
      draining: () => false,
    };
    const server = createApp(image, ctx).server();
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const n = name.toUpperCase().replace(/-/g, '_');
    env[`${n}_SERVICE_HOST`] = '127.0.0.1';
    env[`${n}_SERVICE_PORT`] = String(port);
    return port;
  }

  function call(port: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Record<string, string | string[] | undefined> }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, headers: { ...headers, ...(payload ? { 'Content-Type': 'application/json' } : {}) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  let fe = 0;
  before(async () => {
    for (const [n, img] of [
      ['catalogue', 'weaveworksdemos/catalogue:0.3.5'],
      ['carts', 'weaveworksdemos/carts:0.4.8'],
      ['user', 'weaveworksdemos/user:0.4.7'],
      ['payment', 'weaveworksdemos/payment:0.4.3'],
      ['shipping', 'weaveworksdemos/shipping:0.4.8'],
      ['orders', 'weaveworksdemos/orders:0.4.7'],
    ]) await start(n, img);
    fe = await start('front-end', 'weaveworksdemos/front-end:0.3.12');
  });
  after(() => {
    for (const s of servers) s.close();
  });

  it('front-end serves the shop page and its assets', async () => {
    const r = await call(fe, 'GET', '/');
    assert.equal(r.status, 200);
    assert.match(r.text, /<title>WeaveSocks<\/title>/);
    assert.match(String(r.headers['content-type']), /text\/html/);
    assert.equal((await call(fe, 'GET', '/css/style.blue.css')).status, 200);
    assert.equal((await call(fe, 'GET', '/js/front.js')).status, 200);
    assert.equal((await call(fe, 'GET', '/nope.html')).status, 404);
    assert.match(logs['front-end'].at(-1)!, /"GET \/nope\.html HTTP\/1\.1" 404/);
  });

  it('front-end /catalogue answers with the catalogue service\'s data', async () => {
    const before = logs.catalogue.length;
    const r = await call(fe, 'GET', '/catalogue?tags=blue');
    assert.equal(r.status, 200);
    const items = JSON.parse(r.text) as { name: string; tag: string[] }[];
    assert.deepEqual(items.map((i) => i.name).sort(), SOCKS.filter((s) => s.tag.includes('blue')).map((s) => s.name).sort());
    assert.match(logs.catalogue.slice(before).join('\n'), /"GET \/catalogue\?tags=blue HTTP\/1\.1" 200/);
    assert.equal(JSON.parse((await call(fe, 'GET', '/tags')).text).tags.length, 11);
  });

  it('a shopper registers, adds an address and a card, fills the cart and orders; payment declines over 100', async () => {
    const reg = await call(fe, 'POST', '/register', { username: 'u1', password: 'p1', email: 'u1@example.com' });
    assert.equal(reg.status, 200);
    const cookie = (reg.headers['set-cookie'] as string[]).map((c) => c.split(';')[0]).join('; ');
    const h = { Cookie: cookie };
    assert.equal((await call(fe, 'POST', '/addresses', { number: '1', street: 'S', city: 'C', postcode: '0', country: 'N' }, h)).status, 200);
    assert.equal((await call(fe, 'POST', '/cards', { longNum: '4111111111111111', expires: '12/30', ccv: '123' }, h)).status, 200);
    const cheap = SOCKS.find((s) => s.name === 'Classic')!;
    assert.equal((await call(fe, 'POST', '/cart', { id: cheap.id, quantity: 1 }, h)).status, 201);
    const cart = JSON.parse((await call(fe, 'GET', '/cart', undefined, h)).text);
    assert.deepEqual(cart.map((i: { itemId: string }) => i.itemId), [cheap.id]);
    const order = await call(fe, 'POST', '/orders', undefined, h);
    assert.equal(order.status, 201, order.text);
    assert.equal(JSON.parse(order.text).total, 16.99);
    assert.equal(JSON.parse((await call(fe, 'GET', '/orders', undefined, h)).text).length, 1);
    // 99.99 + 4.99 shipping > 100: declined, as payment 0.4.3 does.
    assert.equal((await call(fe, 'DELETE', '/cart', undefined, h)).status, 202);
    await call(fe, 'POST', '/cart', { id: SOCKS.find((s) => s.name === 'Holy')!.id, quantity: 1 }, h);
    const declined = await call(fe, 'POST', '/orders', undefined, h);
    assert.equal(declined.status, 406);
    assert.match(declined.text, /declined/);
    // Basic-auth login of the same user
    const login = await call(fe, 'GET', '/login', undefined, { Authorization: `Basic ${Buffer.from('u1:p1').toString('base64')}` });
    assert.equal(login.status, 200);
    assert.equal((await call(fe, 'GET', '/login', undefined, { Authorization: `Basic ${Buffer.from('u1:bad').toString('base64')}` })).status, 401);
  });

  it('datastores accept connections and answer an HTTP probe', async () => {
    const port = await start('carts-db', 'mongo:4.4');
    assert.equal((await call(port, 'GET', '/')).status, 200);
    assert.match(logs['carts-db'][0], /connection accepted/);
  });
});
