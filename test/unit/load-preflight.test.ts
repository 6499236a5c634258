// The pre-flight request before a load run or a chaos experiment, against real sockets on 127.0.0.1.
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { preflight } from '../../src/core/load/preflight';

function listen(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('load pre-flight', () => {
  const servers: { close(): unknown }[] = [];
  after(() => servers.forEach((s) => s.close()));

  it('ok for a 2xx answer, sending the run\'s path, headers and cookies', async () => {
    let seen: { url?: string; cookie?: string; x?: string } = {};
    const s = createServer((req, res) => {
      seen = { url: req.url, cookie: req.headers.cookie, x: req.headers['x-run'] as string };
      res.end('ok');
    });
    servers.push(s);
    const port = await listen(s);
    const r = await preflight({ url: `http://127.0.0.1:${port}/catalogue?size=3`, headers: { 'X-Run': 'a' }, cookies: ['a=1', 'b=2'] });
    assert.equal(r.ok, true, r.summary);
    assert.equal(r.status, 200);
    assert.match(r.summary, /^answered HTTP 200 OK in \d+ ms$/);
    assert.deepEqual(seen, { url: '/catalogue?size=3', cookie: 'a=1; b=2', x: 'a' });
  });

  it('not ok when the target answers 5xx', async () => {
    const s = createServer((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    servers.push(s);
    const r = await preflight({ url: `http://127.0.0.1:${await listen(s)}/` });
    assert.equal(r.ok, false);
    assert.equal(r.status, 503);
    assert.match(r.summary, /answered HTTP 503 Service Unavailable/);
  });

  it('says a closed port refused the connection', async () => {
    const s = createNetServer();
    const port = await listen(s);
    await new Promise((r) => s.close(r));
    const r = await preflight({ url: `http://127.0.0.1:${port}/` });
    assert.equal(r.ok, false);
    assert.equal(r.summary, 'refused the connection (ECONNREFUSED)');
  });

  it('says when the target accepts but never answers', async () => {
    const s = createNetServer(() => {}); // accepts the connection, never writes
    servers.push(s);
    const r = await preflight({ url: `http://127.0.0.1:${await listen(s)}/` }, 300);
    assert.equal(r.ok, false);
    assert.equal(r.summary, 'did not answer within 300 ms');
    assert.ok(r.ms >= 290, String(r.ms));
  });
});
