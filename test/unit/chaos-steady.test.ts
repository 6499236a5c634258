import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { defaultSteadyState, describeProbe, runProbes } from '../../src/core/chaos/steady';

describe('steady-state probes', () => {
  let server: Server;
  let base: string;
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/slow') setTimeout(() => res.end('late'), 300);
      else if (req.url === '/down') (res.statusCode = 503), res.end('down');
      else res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  }));

  const ctx = { kc: new KubeConfig(), namespace: 'sock-shop' };

  it('http: status and latency bounds, a refused connection and a timeout each say what was seen', async () => {
    // A port that was free a moment ago: nothing listens there.
    const closed = await new Promise<number>((r) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => r(port));
      });
    });
    const results = await runProbes(
      [
        { kind: 'http', url: `${base}/` },
        { kind: 'http', url: `${base}/down` },
        { kind: 'http', url: `${base}/down`, expectStatus: [503] },
        { kind: 'http', url: `${base}/slow`, maxLatencyMs: 100 },
        { kind: 'http', url: `${base}/slow`, timeoutMs: 50 },
        { kind: 'http', url: `http://127.0.0.1:${closed}/` },
      ],
      ctx,
    );
    assert.deepEqual(results.map((r) => r.ok), [true, false, true, false, false, false]);
    assert.match(results[0].observed, /^HTTP 200 in \d+ ms$/);
    assert.match(results[1].observed, /^HTTP 503/);
    assert.match(results[3].observed, /^HTTP 200 in (\d{3,}) ms$/);
    assert.equal(results[4].observed, 'no answer within 50 ms');
    assert.equal(results[5].observed, 'no answer: ECONNREFUSED');
  });

  it('promql: bounds on the value, and a clear failure without a Prometheus', async () => {
    const [noProm] = await runProbes([{ kind: 'promql', query: 'up', min: 1 }], ctx);
    assert.deepEqual([noProm.ok, noProm.observed], [false, 'no Prometheus to ask']);
    const promql = async (q: string) => (q === 'errors' ? 0.02 : q === 'none' ? undefined : 1);
    const r = await runProbes(
      [
        { kind: 'promql', query: 'errors', max: 0.01 },
        { kind: 'promql', query: 'up', min: 1 },
        { kind: 'promql', query: 'none', max: 1 },
      ],
      { ...ctx, promql },
    );
    assert.deepEqual(r.map((x) => [x.ok, x.observed]), [[false, '0.02'], [true, '1'], [false, 'no sample']]);
  });

  it('describes each probe, and by default checks the load target and one ready pod per target', () => {
    assert.deepEqual(defaultSteadyState({ targets: ['front-end', 'carts'], loadUrl: 'http://127.10.0.1/' }).probes.map(describeProbe), [
      'GET http://127.10.0.1/ answers below 500',
      'Deployment front-end has ≥ 1 ready replica',
      'Deployment carts has ≥ 1 ready replica',
    ]);
    assert.equal(describeProbe({ kind: 'endpoints', service: 'front-end', minReady: 2 }), 'Service front-end has ≥ 2 ready endpoints');
    assert.equal(describeProbe({ kind: 'promql', query: 'x', min: 0, max: 1 }), 'x ≥ 0 and ≤ 1');
  });
});
