import assert from 'node:assert/strict';
import { ResponseParser, serializeRequest } from '../../src/core/load/http1';

interface Seen {
  status: number;
  close: boolean;
  body: string;
}

function parse(bytes: Buffer, cut: (n: number) => number[] = () => []): { seen: Seen[]; error?: string } {
  const seen: Seen[] = [];
  let body: Buffer[] = [];
  const p = new ResponseParser((status, close) => {
    seen.push({ status, close, body: Buffer.concat(body).toString() });
    body = [];
  });
  p.bodySink = (b, f, t) => body.push(Buffer.from(b.subarray(f, t)));
  const points = [0, ...cut(bytes.length), bytes.length];
  for (let k = 0; k + 1 < points.length; k++) {
    // A fresh buffer per piece, reused afterwards, as a socket's shared read buffer would be.
    const piece = Buffer.from(bytes.subarray(points[k], points[k + 1]));
    const big = Buffer.alloc(piece.length + 8, 0x2a);
    piece.copy(big, 4);
    p.execute(big, 4, 4 + piece.length);
    big.fill(0x23);
  }
  p.finish();
  return { seen, error: p.error };
}

const every = (n: number): number[] => Array.from({ length: n - 1 }, (_, i) => i + 1);

describe('load engine: HTTP/1.1 response parser', () => {
  const stream = Buffer.from(
    'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello' +
      'HTTP/1.1 500 Internal Server Error\r\ntransfer-encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n' +
      'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n' +
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 302 Found\r\nLocation: /x\r\nCONTENT-LENGTH: 2\r\nConnection: keep-alive\r\n\r\nok' +
      'HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 3\r\n\r\nnop',
  );
  const expected: Seen[] = [
    { status: 200, close: false, body: 'hello' },
    { status: 500, close: false, body: 'abc0123456789' },
    { status: 204, close: false, body: '' },
    { status: 302, close: false, body: 'ok' },
    { status: 404, close: true, body: 'nop' },
  ];

  it('parses a stream of keep-alive responses in one piece', () => {
    const r = parse(stream);
    assert.equal(r.error, undefined);
    assert.deepEqual(r.seen, expected);
  });

  it('parses the same stream split at every byte', () => {
    const r = parse(stream, every);
    assert.equal(r.error, undefined);
    assert.deepEqual(r.seen, expected);
  });

  it('parses it split at every two-way cut point', () => {
    for (let a = 1; a < stream.length; a += 7) {
      for (let b = a + 1; b < stream.length; b += 13) {
        const r = parse(stream, () => [a, b]);
        assert.deepEqual(r.seen, expected, `cut at ${a}, ${b}`);
      }
    }
  });

  it('ends a body delimited by the connection close', () => {
    const r = parse(Buffer.from('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end'), () => [20, 45]);
    assert.deepEqual(r.seen, [{ status: 200, close: true, body: 'until the end' }]);
  });

  it('reports bytes that are not HTTP', () => {
    const r = parse(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
    assert.equal(r.seen.length, 0);
    assert.equal(r.error, 'not an HTTP response');
  });

  it('does not expect a body after HEAD', () => {
    const seen: number[] = [];
    const p = new ResponseParser((s) => seen.push(s));
    p.expectNoBody = true;
    const b = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n');
    p.execute(b, 0, b.length);
    assert.deepEqual(seen, [200, 201]);
    assert.equal(p.busy, false);
  });

  it('serializes requests with cookies, headers and keep-alive choice', () => {
    const req = serializeRequest({
      host: 'shop.example:8080',
      path: '/catalogue?tags=blue',
      cookies: ['somecookie=rawr', 'b=2'],
      headers: { 'X-Test': '1' },
      keepAlive: false,
    }).toString();
    assert.equal(
      req,
      'GET /catalogue?tags=blue HTTP/1.1\r\nHost: shop.example:8080\r\nX-Test: 1\r\nCookie: somecookie=rawr; b=2\r\nConnection: close\r\n\r\n',
    );
    const post = serializeRequest({ host: 'h', method: 'post', path: '/cart', body: '{"id":"x"}', keepAlive: true }).toString();
    assert.match(post, /^POST \/cart HTTP\/1\.1\r\n/);
    assert.match(post, /\r\nConnection: keep-alive\r\nContent-Length: 10\r\n\r\n\{"id":"x"\}$/);
    assert.throws(() => serializeRequest({ host: 'h', path: '/', headers: { A: 'x\r\nB: y' }, keepAlive: true }), /line break/);
  });
});
