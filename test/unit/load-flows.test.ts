// The Sock Shop user flow against a stand-in front-end: the real front-end needs the whole Sock Shop behind
// it (catalogue, carts, orders, payment, user services and their databases), which no local part replaces,
// so this server imitates the front-end's HTTP API (routes, cookies, Basic-auth login, payment limit).
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLoad } from '../../src/core/load/engine';
import { affordable, SOCKSHOP_SHIPPING } from '../../src/core/load/flows';

const CATALOGUE = [
  { id: 'a0a4f044-b040-410d-8ead-4de0446aec7e', price: 7.99, tags: ['blue'] },
  { id: '03fef6ac-1896-4ce8-bd69-b798f85c6e0b', price: 99.99, tags: ['formal'] },
  { id: '3395a43e-2d88-40de-b95f-e00e1502085b', price: 18, tags: ['green'] },
];

interface Account {
  username: string;
  password: string;
  session?: string;
  cart: { id: string; price: number }[];
  addresses: number;
  cards: number;
  orders: number[];
}

function frontEnd() {
  const accounts = new Map<string, Account>();
  const bySession = new Map<string, Account>();
  const paths = new Map<string, number>();
  let declined = 0;
  let sessions = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const key = `${req.method} ${url.pathname}`;
      paths.set(key, (paths.get(key) ?? 0) + 1);
      const cookies = Object.fromEntries((req.headers.cookie ?? '').split(/;\s*/).filter(Boolean).map((c) => c.split('=')));
      const me = cookies.logged_in ? bySession.get(cookies.logged_in) : undefined;
      const send = (status: number, body: unknown = '', headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      const logIn = (a: Account): void => {
        a.session = `s${++sessions}`;
        bySession.set(a.session, a);
      };
      if (key === 'POST /register') {
        const b = JSON.parse(Buffer.concat(chunks).toString());
        if (!b.username || !b.password || accounts.has(b.username)) return send(500);
        const a: Account = { username: b.username, password: b.password, cart: [], addresses: 0, cards: 0, orders: [] };
        accounts.set(a.username, a);
        logIn(a);
        return send(200, { id: a.username }, { 'Set-Cookie': `logged_in=${a.session}; Max-Age=3600; Path=/` });
      }
      if (key === 'GET /login') {
        const [u, p] = Buffer.from(String(req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString().split(':');
        const a = accounts.get(u);
        if (!a || a.password !== p) return send(401);
        logIn(a);
        return send(200, 'Cookie is set', { 'Set-Cookie': `logged_in=${a.session}; Max-Age=3600; Path=/` });
      }
      if (key === 'GET /catalogue') {
        const tag = url.searchParams.get('tags');
        return send(200, CATALOGUE.filter((c) => !tag || c.tags.includes(tag)));
      }
      if (req.method === 'GET' && url.pathname.startsWith('/catalogue/')) {
        const item = CATALOGUE.find((c) => c.id === url.pathname.slice('/catalogue/'.length));
        return item ? send(200, item) : send(404);
      }
      if (key === 'GET /tags') return send(200, { tags: ['blue', 'formal', 'green'] });
      if (['GET /', 'GET /category.html', 'GET /detail.html', 'GET /basket.html'].includes(key)) return send(200, '<html></html>');
      if (!me) return send(500, 'User not logged in.');
      if (key === 'POST /addresses') return me.addresses++, send(200, { id: 'addr' });
      if (key === 'POST /cards') return me.cards++, send(200, { id: 'card' });
      if (key === 'POST /cart') {
        const item = CATALOGUE.find((c) => c.id === JSON.parse(Buffer.concat(chunks).toString()).id);
        if (!item) return send(500);
        me.cart.push(item);
        return send(201);
      }
      if (key === 'DELETE /cart') return (me.cart = []), send(202);
      if (key === 'GET /cart') return send(200, me.cart);
      if (key === 'POST /orders') {
        if (!me.addresses || !me.cards || !me.cart.length) return send(500);
        const total = me.cart.reduce((a, c) => a + c.price, 0) + SOCKSHOP_SHIPPING;
        if (total > 100) {
          declined++;
          return send(406, { message: 'Payment declined: amount exceeds 100.00' });
        }
        me.orders.push(total);
        me.cart = [];
        return send(201, { total });
      }
      send(404);
    });
  });
  return { server, accounts, paths, declined: () => declined };
}

describe('load engine: the Sock Shop user flow', function () {
  this.timeout(30_000);

  it('picks only items an order can pay for', () => {
    assert.deepEqual(
      affordable(CATALOGUE).map((i) => i.price),
      [7.99, 18],
    );
  });

  it('registers one account per user, browses, logs in, and orders without payment declines', async () => {
    const fe = frontEnd();
    await new Promise<void>((r) => fe.server.listen(0, '127.0.0.1', r));
    try {
      const { port } = fe.server.address() as AddressInfo;
      const users = 8;
      const r = await startLoad({
        target: { url: `http://127.0.0.1:${port}` },
        model: { kind: 'users', users, spawnRate: 50, waitSeconds: [0.01, 0.03], flow: 'sockshop' },
        maxRequests: 100_000,
        maxDurationSeconds: 4,
        threads: 2,
      }).done;
      assert.equal(fe.accounts.size, users, 'one account per simulated user');
      for (const a of fe.accounts.values()) {
        assert.equal(a.addresses, 1);
        assert.equal(a.cards, 1);
      }
      assert.equal(r.failures, 0, JSON.stringify(r.failuresByCause));
      assert.equal(fe.declined(), 0);
      const orders = [...fe.accounts.values()].flatMap((a) => a.orders);
      assert.ok(orders.length > 0, 'some orders were placed');
      assert.ok(orders.every((t) => t <= 100));
      for (const p of ['GET /', 'GET /catalogue', 'GET /login', 'POST /cart', 'GET /basket.html', 'GET /cart', 'POST /orders', 'GET /detail.html', 'GET /category.html']) {
        assert.ok((fe.paths.get(p) ?? 0) > 0, `${p} was requested`);
      }
      const names = r.endpoints.map((e) => e.name);
      assert.ok(names.includes('GET /catalogue/[id]'), 'item details are grouped under one name');
      assert.ok(names.includes('GET /catalogue?tags=[tag]'));
    } finally {
      fe.server.closeAllConnections();
      fe.server.close();
    }
  });
});
