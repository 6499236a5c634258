// The lab's own implementations of Sock Shop's services, run by the lab kubelet (runtime.ts) in place of
// the container images. They keep the real Sock Shop's HTTP API shapes and call graph where load and chaos
// touch them: the front-end (port 8079) serves the shop's pages and assets and calls catalogue, carts,
// orders and user through their Services (found from the kubelet-provided CATALOGUE_SERVICE_HOST… env, so
// every call goes through the lab proxy to a ready pod); orders calls user, carts, payment and shipping;
// payment declines amounts over 100 (as payment 0.4.3 does). The databases and the queue accept TCP
// connections on their ports and hold no protocol.
//
// Each service's data lives in a store shared by its pods in one namespace (one per Service, standing in
// for the service's database: every carts replica sees the same carts, as with the real carts-db).
import { createServer as createHttpServer, Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as NetServer, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { isLoopback, serviceFromEnv } from './addresses.ts';

export interface AppContext {
  namespace: string;
  pod: string;
  env: Record<string, string>;
  /** Writes one line to the container's log (stdout). */
  log(line: string): void;
  /** The namespace-wide store of a service (its "database"). */
  store(service: string): Map<string, any>;
  /** True once the container got its SIGTERM: responses ask clients to close the connection. */
  draining(): boolean;
}

export interface AppInstance {
  kind: 'http' | 'tcp';
  /** Ports the image itself listens on (besides the pod's declared containerPorts). */
  ports: number[];
  server(): NetServer;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer, url: URL) => Promise<void> | void;

/** The image's repository without registry, tag or digest: "docker.io/weaveworksdemos/carts:0.4.8" → "weaveworksdemos/carts". */
export function imageRepo(image: string): string {
  let s = image.split('@')[0];
  const slash = s.lastIndexOf('/');
  const colon = s.lastIndexOf(':');
  if (colon > slash) s = s.slice(0, colon);
  s = s.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '');
  return s.replace(/^library\//, '');
}

const DATASTORES: Record<string, number[]> = {
  mongo: [27017],
  'weaveworksdemos/user-db': [27017],
  'weaveworksdemos/catalogue-db': [3306],
  mysql: [3306],
  redis: [6379],
  rabbitmq: [5672, 15672],
  'kbudde/rabbitmq-exporter': [9419],
};

const SERVICES: Record<string, { port: number; make: (ctx: AppContext) => Handler }> = {
  'weaveworksdemos/front-end': { port: 8079, make: frontEnd },
  'weaveworksdemos/catalogue': { port: 80, make: catalogue },
  'weaveworksdemos/carts': { port: 80, make: carts },
  'weaveworksdemos/orders': { port: 80, make: orders },
  'weaveworksdemos/payment': { port: 80, make: payment },
  'weaveworksdemos/shipping': { port: 80, make: shipping },
  'weaveworksdemos/user': { port: 80, make: user },
  'weaveworksdemos/queue-master': { port: 80, make: queueMaster },
};

/** True when the lab runs this image itself (everything else stays simulated by kwok). */
export function knownImage(image: string): boolean {
  const repo = imageRepo(image);
  return repo in SERVICES || repo in DATASTORES;
}

export function createApp(image: string, ctx: AppContext): AppInstance {
  const repo = imageRepo(image);
  const svc = SERVICES[repo];
  if (svc) {
    const handler = svc.make(ctx);
    return { kind: 'http', ports: [svc.port], server: () => httpServer(ctx, handler) };
  }
  const ports = DATASTORES[repo];
  if (ports) return { kind: 'tcp', ports, server: () => datastoreServer(ctx, repo) };
  throw new Error(`the lab has no implementation of image ${image}`);
}

// --- HTTP plumbing ----------------------------------------------------------------------------------

function clf(d: Date): string {
  return d.toISOString();
}

function httpServer(ctx: AppContext, handler: Handler): NetServer {
  const server = createHttpServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    const t0 = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (ctx.draining()) res.setHeader('Connection', 'close');
      res.on('finish', () => {
        const ms = (performance.now() - t0).toFixed(1);
        ctx.log(`${req.socket.remoteAddress ?? '-'} - - [${clf(new Date())}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${res.statusCode} ${res.getHeader('content-length') ?? '-'} "${req.headers['user-agent'] ?? '-'}" ${ms} ms`);
      });
      const url = new URL(req.url ?? '/', 'http://pod');
      Promise.resolve(handler(req, res, Buffer.concat(chunks), url)).catch((err: Error) => {
        if (!res.headersSent) sendJson(res, 500, { error: err.message, status_code: 500, status_text: 'Internal Server Error' });
        else res.destroy();
      });
    });
  });
  return server;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': data.length });
  res.end(data);
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string | string[]> = {}): void {
  const data = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': data.length, ...headers });
  res.end(data);
}

function parseJson(body: Buffer): any {
  if (!body.length) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

interface Upstream {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/** A client for the other services, reached through their Service address (the lab proxy). */
function client(ctx: AppContext) {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const call = (target: { host: string; port: number }, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Upstream> => {
    if (!isLoopback(target.host)) return Promise.reject(new Error(`refusing to call ${target.host}: not loopback`));
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: target.host, port: target.port, method, path, agent, timeout: 5_000, headers: { Accept: 'application/json', ...headers, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: parseJson(Buffer.concat(chunks)), headers: res.headers }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${target.host}:${target.port}${path}: timeout`)));
      req.on('error', reject);
      req.end(payload);
    });
  };
  return {
    service(name: string): { host: string; port: number } {
      const t = serviceFromEnv(ctx.env, name);
      if (!t) throw new Error(`no ${name} Service in the environment (${name.toUpperCase()}_SERVICE_HOST): was it created before this pod?`);
      return t;
    },
    /** Calls service `name`. */
    call(name: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Upstream> {
      return call(this.service(name), method, path, body, headers);
    },
    /** Fetches a URL another service handed over (orders follows the links in an order). */
    fetchUrl(url: string): Promise<Upstream> {
      const u = new URL(url);
      return call({ host: u.hostname, port: Number(u.port || 80) }, 'GET', `${u.pathname}${u.search}`);
    },
    baseUrl(name: string): string {
      const t = this.service(name);
      return `http://${t.host}:${t.port}`;
    },
  };
}

function health(res: ServerResponse, service: string): void {
  sendJson(res, 200, { health: [{ service, status: 'OK', time: new Date().toISOString() }] });
}

// --- catalogue ----------------------------------------------------------------------------------

export interface Sock {
  id: string;
  name: string;
  description: string;
  imageUrl: string[];
  price: number;
  count: number;
  tag: string[];
}

/** The stock catalogue of catalogue-db 0.3.0. */
export const SOCKS: Sock[] = [
  ['03fef6ac-1896-4ce8-bd69-b798f85c6e0b', 'Holy', 'Socks fit for a Messiah. You too can experience walking in water with these special edition beauties.', 99.99, 1, ['magic', 'action'], 'holy'],
  ['3395a43e-2d88-40de-b95f-e00e1502085b', 'Colourful', 'proident occaecat irure et excepteur labore minim nisi amet irure', 18, 438, ['brown', 'blue'], 'colourful_socks'],
  ['510a0d7e-8e83-4193-b483-e27e09ddc34d', 'SuperSport XL', 'Ready for action. Engineers: be ready to smash that next bug! Be ready, with these super-action-sport-masterpieces.', 15, 820, ['sport', 'formal', 'black'], 'puma_1'],
  ['808a2de1-1aaa-4c25-a9b9-6612e8f29a38', 'Crossed', 'A mature sock, crossed, with an air of nonchalance.', 17.32, 738, ['blue', 'action', 'red', 'formal'], 'cross_1'],
  ['819e1fbf-8b7e-4f6d-811f-693534916a8b', 'Figueroa', 'enim officia aliqua excepteur esse deserunt quis aliquip nostrud anim', 14, 808, ['green', 'formal', 'blue'], 'WAT'],
  ['837ab141-399e-4c1f-9abc-bace40296bac', 'Cat socks', 'consequat amet cupidatat minim laborum tempor elit ex consequat in', 15, 175, ['brown', 'formal', 'green'], 'catsocks'],
  ['a0a4f044-b040-410d-8ead-4de0446aec7e', 'Nerd leg', 'For all those leg lovers out there. A perfect example of a swivel chair trained calf.', 7.99, 115, ['blue', 'skin'], 'bit_of_leg_1'],
  ['d3588630-ad8e-49df-bbd7-3167f7efb246', 'YouTube.sock', 'We were not paid to sell this sock. It\'s just a bit geeky.', 10.99, 801, ['geek', 'formal'], 'youtube_1'],
  ['zzz4f044-b040-410d-8ead-4de0446aec7e', 'Classic', 'Keep it simple.', 12, 127, ['brown', 'green'], 'classic'],
].map(([id, name, description, price, count, tag, img]) => ({
  id: id as string,
  name: name as string,
  description: description as string,
  imageUrl: [`/catalogue/images/${img}.jpeg`, `/catalogue/images/${img}_2.jpeg`],
  price: price as number,
  count: count as number,
  tag: tag as string[],
}));

function catalogue(): Handler {
  return (req, res, _body, url) => {
    const p = url.pathname;
    if (p === '/health') return health(res, 'catalogue');
    const tags = (url.searchParams.get('tags') ?? '').split(',').filter(Boolean);
    const matching = SOCKS.filter((s) => !tags.length || tags.some((t) => s.tag.includes(t)));
    if (p === '/catalogue') {
      const size = Number(url.searchParams.get('size') ?? 0) || matching.length;
      const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
      return sendJson(res, 200, matching.slice((page - 1) * size, page * size));
    }
    if (p === '/catalogue/size') return sendJson(res, 200, { size: matching.length, err: null });
    if (p === '/tags') return sendJson(res, 200, { tags: [...new Set(SOCKS.flatMap((s) => s.tag))], err: null });
    const m = /^\/catalogue\/([^/]+)$/.exec(p);
    if (m && req.method === 'GET') {
      const sock = SOCKS.find((s) => s.id === decodeURIComponent(m[1]));
      return sock ? sendJson(res, 200, sock) : sendJson(res, 404, { error: 'Do: Not found', status_code: 404, status_text: 'Not Found' });
    }
    if (p.startsWith('/catalogue/images/')) return send(res, 200, 'image/jpeg', Buffer.alloc(1024, 0xff));
    sendJson(res, 404, { error: 'Not found', status_code: 404 });
  };
}

// --- carts --------------------------------------------------------------------------------------

interface CartItem {
  id: string;
  itemId: string;
  quantity: number;
  unitPrice: number;
}

function carts(ctx: AppContext): Handler {
  const db = ctx.store('carts') as Map<string, CartItem[]>;
  return (req, res, body, url) => {
    const p = url.pathname;
    if (p === '/health') return health(res, 'carts');
    let m = /^\/carts\/([^/]+)\/items(?:\/([^/]+))?$/.exec(p);
    if (m) {
      const cust = decodeURIComponent(m[1]);
      const items = db.get(cust) ?? [];
      if (req.method === 'GET' && !m[2]) return sendJson(res, 200, items);
      if (req.method === 'GET') {
        const it = items.find((i) => i.itemId === m![2]);
        return it ? sendJson(res, 200, it) : sendJson(res, 404, { error: 'not found' });
      }
      if (req.method === 'POST' || req.method === 'PATCH') {
        const b = parseJson(body);
        if (!b?.itemId) return sendJson(res, 400, { error: 'itemId required' });
        const it = items.find((i) => i.itemId === b.itemId);
        if (it) {
          it.quantity = req.method === 'PATCH' ? Number(b.quantity ?? it.quantity) : it.quantity + Number(b.quantity ?? 1);
        } else {
          items.push({ id: randomUUID().replace(/-/g, '').slice(0, 24), itemId: String(b.itemId), quantity: Number(b.quantity ?? 1), unitPrice: Number(b.unitPrice ?? 0) });
        }
        db.set(cust, items);
        return sendJson(res, req.method === 'POST' ? 201 : 202, items.find((i) => i.itemId === b.itemId));
      }
      if (req.method === 'DELETE' && m[2]) {
        db.set(cust, items.filter((i) => i.itemId !== m![2]));
        res.writeHead(202, { 'Content-Length': 0 });
        return void res.end();
      }
    }
    m = /^\/carts\/([^/]+)$/.exec(p);
    if (m && req.method === 'DELETE') {
      db.delete(decodeURIComponent(m[1]));
      res.writeHead(202, { 'Content-Length': 0 });
      return void res.end();
    }
    m = /^\/carts\/([^/]+)\/merge$/.exec(p);
    if (m) {
      const from = url.searchParams.get('sessionId') ?? '';
      const into = decodeURIComponent(m[1]);
      db.set(into, [...(db.get(into) ?? []), ...(db.get(from) ?? [])]);
      db.delete(from);
      res.writeHead(202, { 'Content-Length': 0 });
      return void res.end();
    }
    sendJson(res, 404, { error: 'Not found' });
  };
}

// --- user ---------------------------------------------------------------------------------------

interface Customer {
  id: string;
  username: string;
  password: string;
  firstName: string;
  lastName: string;
  email: string;
  addresses: any[];
  cards: any[];
}

function user(ctx: AppContext): Handler {
  const db = ctx.store('user') as Map<string, Customer>;
  if (!db.size) {
    // The stock accounts of user-db 0.3.0.
    for (const [username, first, last] of [['Eve_Berger', 'Eve', 'Berger'], ['user', 'User', 'Name'], ['user1', 'User1', 'Name1']]) {
      const id = randomUUID().replace(/-/g, '').slice(0, 24);
      db.set(id, { id, username, password: 'password', firstName: first, lastName: last, email: `${username}@example.com`, addresses: [], cards: [] });
    }
  }
  const byName = (name: string) => [...db.values()].find((c) => c.username === name);
  const view = (c: Customer) => ({ id: c.id, username: c.username, firstName: c.firstName, lastName: c.lastName, email: c.email, _links: { self: { href: `/customers/${c.id}` } } });
  return (req, res, body, url) => {
    const p = url.pathname;
    if (p === '/health') return health(res, 'user');
    if (p === '/login') {
      const auth = req.headers.authorization ?? '';
      const [u, pw] = Buffer.from(auth.replace(/^Basic /i, ''), 'base64').toString('utf8').split(':');
      const c = u ? byName(u) : undefined;
      if (!c || c.password !== pw) return sendJson(res, 401, { error: 'Unauthorized', status_code: 401 });
      return sendJson(res, 200, { user: view(c) });
    }
    if (p === '/register' && req.method === 'POST') {
      const b = parseJson(body);
      if (!b?.username || !b.password) return sendJson(res, 400, { error: 'username and password required' });
      if (byName(b.username)) return sendJson(res, 500, { error: 'user already exists', status_code: 500 });
      const id = randomUUID().replace(/-/g, '').slice(0, 24);
      db.set(id, { id, username: b.username, password: b.password, firstName: b.firstName ?? '', lastName: b.lastName ?? '', email: b.email ?? '', addresses: [], cards: [] });
      return sendJson(res, 200, { id });
    }
    if ((p === '/addresses' || p === '/cards') && req.method === 'POST') {
      const b = parseJson(body);
      const c = db.get(String(b?.userID ?? ''));
      if (!c) return sendJson(res, 400, { error: 'unknown userID' });
      const id = randomUUID().replace(/-/g, '').slice(0, 24);
      const { userID: _ignored, ...rest } = b;
      (p === '/addresses' ? c.addresses : c.cards).push({ id, ...rest });
      return sendJson(res, 200, { id });
    }
    const m = /^\/customers\/([^/]+)(?:\/(addresses|cards))?$/.exec(p);
    if (m && req.method === 'GET') {
      const c = db.get(decodeURIComponent(m[1]));
      if (!c) return sendJson(res, 404, { error: 'Not found', status_code: 404 });
      if (!m[2]) return sendJson(res, 200, view(c));
      const key = m[2] === 'addresses' ? 'address' : 'card';
      return sendJson(res, 200, { _embedded: { [key]: c[m[2] as 'addresses' | 'cards'].map((x) => ({ ...x, _links: { self: { href: `/${m[2]}/${x.id}` } } })) } });
    }
    const am = /^\/(addresses|cards)\/([^/]+)$/.exec(p);
    if (am && req.method === 'GET') {
      for (const c of db.values()) {
        const found = c[am[1] as 'addresses' | 'cards'].find((x) => x.id === am[2]);
        if (found) return sendJson(res, 200, found);
      }
      return sendJson(res, 404, { error: 'Not found', status_code: 404 });
    }
    if (p === '/customers' && req.method === 'GET') return sendJson(res, 200, { _embedded: { customer: [...db.values()].map(view) } });
    sendJson(res, 404, { error: 'Not found' });
  };
}

// --- payment, shipping, queue-master --------------------------------------------------------------

/** payment 0.4.3 declines any amount above this. */
export const PAYMENT_DECLINE_OVER = 100;

function payment(): Handler {
  return (req, res, body, url) => {
    if (url.pathname === '/health') return health(res, 'payment');
    if (url.pathname === '/paymentAuth' && req.method === 'POST') {
      const amount = Number(parseJson(body)?.amount);
      if (!Number.isFinite(amount) || amount <= 0) return sendJson(res, 400, { error: 'Invalid payment amount' });
      const authorised = amount <= PAYMENT_DECLINE_OVER;
      return sendJson(res, 200, { authorization: { authorised, message: authorised ? 'Payment authorised' : 'Payment declined: amount exceeds 100.00' } });
    }
    sendJson(res, 404, { error: 'Not found' });
  };
}

function shipping(ctx: AppContext): Handler {
  const db = ctx.store('shipping');
  return (req, res, body, url) => {
    if (url.pathname === '/health') return health(res, 'shipping');
    if (url.pathname === '/shipping' && req.method === 'POST') {
      const b = parseJson(body) ?? {};
      const shipment = { id: b.id ?? randomUUID(), name: b.name ?? '' };
      db.set(shipment.id, shipment);
      return sendJson(res, 201, shipment);
    }
    if (url.pathname === '/shipping') return sendJson(res, 200, { shipments: db.size });
    sendJson(res, 404, { error: 'Not found' });
  };
}

function queueMaster(): Handler {
  return (_req, res, _body, url) => {
    if (url.pathname === '/health') return health(res, 'queue-master');
    sendJson(res, 404, { error: 'Not found' });
  };
}

// --- orders -------------------------------------------------------------------------------------

function orders(ctx: AppContext): Handler {
  const db = ctx.store('orders');
  const api = client(ctx);
  return async (req, res, body, url) => {
    const p = url.pathname;
    if (p === '/health') return health(res, 'orders');
    if (p === '/orders' && req.method === 'POST') {
      const b = parseJson(body);
      if (!b?.customer || !b.address || !b.card || !b.items) return sendJson(res, 400, { error: 'customer, address, card and items are required' });
      const [customer, address, card, items] = await Promise.all([api.fetchUrl(b.customer), api.fetchUrl(b.address), api.fetchUrl(b.card), api.fetchUrl(b.items)]);
      for (const r of [customer, address, card, items]) if (r.status >= 300) return sendJson(res, 500, { error: `a linked resource answered ${r.status}` });
      const list: CartItem[] = Array.isArray(items.body) ? items.body : [];
      const total = list.reduce((s, i) => s + i.quantity * i.unitPrice, 0) + 4.99;
      const pay = await api.call('payment', 'POST', '/paymentAuth', { address: address.body, card: card.body, customer: customer.body, amount: Math.round(total * 100) / 100 });
      if (pay.status !== 200 || !pay.body?.authorization?.authorised) {
        return sendJson(res, 406, { error: `Payment declined: ${pay.body?.authorization?.message ?? `payment answered ${pay.status}`}`, status_code: 406 });
      }
      const id = randomUUID().replace(/-/g, '').slice(0, 24);
      const ship = await api.call('shipping', 'POST', '/shipping', { id, name: String(customer.body?.id ?? '') });
      if (ship.status >= 300) return sendJson(res, 500, { error: `shipping answered ${ship.status}` });
      const order = { id, customerId: customer.body?.id, customer: customer.body, address: address.body, card: card.body, items: list, shipment: ship.body, date: new Date().toISOString(), total: Math.round(total * 100) / 100, _links: { self: { href: `${api.baseUrl('orders')}/orders/${id}` } } };
      db.set(id, order);
      return sendJson(res, 201, order);
    }
    if (p === '/orders/search/customerId') {
      const cust = url.searchParams.get('custId');
      const found = [...db.values()].filter((o) => o.customerId === cust);
      return found.length ? sendJson(res, 200, { _embedded: { customerOrder: found } }) : sendJson(res, 404, { error: 'no orders' });
    }
    const m = /^\/orders\/([^/]+)$/.exec(p);
    if (m) {
      const o = db.get(m[1]);
      return o ? sendJson(res, 200, o) : sendJson(res, 404, { error: 'Not found' });
    }
    if (p === '/orders') return sendJson(res, 200, { _embedded: { customerOrder: [...db.values()] } });
    sendJson(res, 404, { error: 'Not found' });
  };
}

// --- front-end ----------------------------------------------------------------------------------

const PAGES = ['index', 'category', 'detail', 'basket', 'customer-orders', 'customer-order', 'login', 'register'];

export function shopPage(page: string): string {
  const title = page === 'index' ? 'WeaveSocks' : `WeaveSocks | ${page}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link href="css/bootstrap.min.css" rel="stylesheet">
<link href="css/style.blue.css" rel="stylesheet">
</head>
<body>
<div id="top"><div class="container"><a href="index.html" id="logo">WeaveSocks</a>
<ul class="menu"><li><a href="category.html">Catalogue</a></li><li><a href="basket.html" id="numItemsInCart">Cart</a></li><li><a href="customer-orders.html">Orders</a></li></ul></div></div>
<div id="content"><div class="container" id="${page}">${page === 'index' ? '<h1>We love socks!</h1><p>Fun fact: socks were invented by woolly mammoths to keep warm. They died out because stupid humans had to cut their legs off to get their socks.</p><div id="hot" class="products"></div>' : '<div class="products"></div>'}</div></div>
<script src="js/jquery-3.1.1.min.js"></script>
<script src="js/front.js"></script>
</body>
</html>
`;
}

const STATIC: Record<string, [string, string]> = {
  'css/bootstrap.min.css': ['text/css', '/* bootstrap 3.3.7 (lab build) */\nbody{margin:0;font-family:"Helvetica Neue",Helvetica,Arial,sans-serif}\n'.repeat(8)],
  'css/style.blue.css': ['text/css', '#top{background:#4fbfa8}#logo{font-weight:bold}.products{display:flex;flex-wrap:wrap}\n'.repeat(8)],
  'js/jquery-3.1.1.min.js': ['application/javascript', '/*! jQuery v3.1.1 (lab build) */\nwindow.$=window.jQuery=function(s){return document.querySelectorAll(s)};\n'.repeat(8)],
  'js/front.js': ['application/javascript', "document.addEventListener('DOMContentLoaded',function(){fetch('catalogue?size=3').then(function(r){return r.json()}).then(function(items){var hot=document.getElementById('hot');if(!hot)return;items.forEach(function(i){var d=document.createElement('div');d.textContent=i.name+' $'+i.price;hot.appendChild(d)})})});\n"],
  'favicon.ico': ['image/x-icon', Buffer.alloc(318, 0).toString('latin1')],
};

function cookies(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

function frontEnd(ctx: AppContext): Handler {
  const api = client(ctx);
  const sessions = ctx.store('front-end-sessions'); // session-db (redis): sessions shared by all front-ends
  const pass = (res: ServerResponse, r: Upstream, headers: Record<string, string | string[]> = {}) => {
    const data = Buffer.from(r.body === undefined ? '' : JSON.stringify(r.body));
    res.writeHead(r.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': data.length, ...headers });
    res.end(data);
  };
  return async (req, res, body, url) => {
    const p = url.pathname;
    const c = cookies(req);
    let sid = c['md.sid'];
    const setCookies: string[] = [];
    if (!sid || !sessions.has(sid)) {
      sid = randomUUID();
      sessions.set(sid, {});
      setCookies.push(`md.sid=${encodeURIComponent(sid)}; Path=/; HttpOnly`);
    }
    const session = sessions.get(sid) as { customerId?: string };
    const customerId = session.customerId ?? c.logged_in ?? sid;
    const login = (id: string) => {
      session.customerId = id;
      setCookies.push(`logged_in=${encodeURIComponent(id)}; Path=/`);
    };
    const withCookies = (): Record<string, string[]> => (setCookies.length ? { 'Set-Cookie': setCookies } : {});

    if (req.method === 'GET' && (p === '/' || /^\/[a-z-]+\.html$/.test(p))) {
      const page = p === '/' ? 'index' : p.slice(1, -5);
      if (!PAGES.includes(page)) return send(res, 404, 'text/html', '<h1>Not Found</h1>');
      return send(res, 200, 'text/html; charset=UTF-8', shopPage(page), withCookies());
    }
    const asset = STATIC[p.slice(1)];
    if (asset && req.method === 'GET') return send(res, 200, asset[0], Buffer.from(asset[1], 'latin1'), { 'Cache-Control': 'public, max-age=0' });
    if (p === '/catalogue' || p === '/catalogue/size' || /^\/catalogue\/[^/]+$/.test(p)) return pass(res, await api.call('catalogue', 'GET', `${p}${url.search}`), withCookies());
    if (p.startsWith('/catalogue/images/')) return pass(res, await api.call('catalogue', 'GET', p));
    if (p === '/tags') return pass(res, await api.call('catalogue', 'GET', '/tags'), withCookies());
    if (p === '/login' && req.method === 'GET') {
      const r = await api.call('user', 'GET', '/login', undefined, { Authorization: req.headers.authorization ?? '' });
      if (r.status !== 200) return send(res, 401, 'text/plain', 'Unauthorized');
      login(String(r.body.user.id));
      await api.call('carts', 'GET', `/carts/${encodeURIComponent(r.body.user.id)}/merge?sessionId=${encodeURIComponent(sid)}`);
      return send(res, 200, 'text/plain', 'Cookie is set', withCookies());
    }
    if (p === '/register' && req.method === 'POST') {
      const r = await api.call('user', 'POST', '/register', parseJson(body));
      if (r.status !== 200) return pass(res, r);
      login(String(r.body.id));
      return pass(res, r, withCookies());
    }
    if ((p === '/addresses' || p === '/cards') && req.method === 'POST') {
      if (!session.customerId) return send(res, 401, 'text/plain', 'Not logged in');
      return pass(res, await api.call('user', 'POST', p, { ...parseJson(body), userID: session.customerId }), withCookies());
    }
    const cm = /^\/customers\/([^/]+)(\/addresses|\/cards)?$/.exec(p);
    if (cm && req.method === 'GET') return pass(res, await api.call('user', 'GET', p), withCookies());
    if (p === '/card' || p === '/address') {
      if (!session.customerId) return sendJson(res, 200, { status: false });
      return pass(res, await api.call('user', 'GET', `/customers/${session.customerId}/${p.slice(1)}s`));
    }
    if (p === '/cart') {
      const cartPath = `/carts/${encodeURIComponent(customerId)}`;
      if (req.method === 'GET') return pass(res, await api.call('carts', 'GET', `${cartPath}/items`), withCookies());
      if (req.method === 'DELETE') {
        const r = await api.call('carts', 'DELETE', cartPath);
        res.writeHead(r.status, { 'Content-Length': 0, ...withCookies() });
        return void res.end();
      }
      if (req.method === 'POST') {
        const b = parseJson(body);
        if (!b?.id) return send(res, 400, 'text/plain', 'id required');
        const item = await api.call('catalogue', 'GET', `/catalogue/${encodeURIComponent(b.id)}`);
        if (item.status !== 200) return pass(res, item);
        const r = await api.call('carts', 'POST', `${cartPath}/items`, { itemId: item.body.id, unitPrice: item.body.price, quantity: Number(b.quantity ?? 1) });
        return pass(res, r, withCookies());
      }
    }
    const dm = /^\/cart\/([^/]+)$/.exec(p);
    if (dm && req.method === 'DELETE') {
      const r = await api.call('carts', 'DELETE', `/carts/${encodeURIComponent(customerId)}/items/${dm[1]}`);
      res.writeHead(r.status, { 'Content-Length': 0 });
      return void res.end();
    }
    if (p === '/orders') {
      if (!session.customerId) return send(res, 401, 'text/plain', 'User not logged in.');
      if (req.method === 'GET') {
        const r = await api.call('orders', 'GET', `/orders/search/customerId?sort=date&custId=${encodeURIComponent(session.customerId)}`);
        return r.status === 404 ? sendJson(res, 200, []) : pass(res, { ...r, body: r.body?._embedded?.customerOrder ?? [] });
      }
      if (req.method === 'POST') {
        const user = api.baseUrl('user');
        const [addresses, cards] = await Promise.all([
          api.call('user', 'GET', `/customers/${session.customerId}/addresses`),
          api.call('user', 'GET', `/customers/${session.customerId}/cards`),
        ]);
        const address = addresses.body?._embedded?.address?.[0];
        const card = cards.body?._embedded?.card?.[0];
        if (!address || !card) return send(res, 406, 'text/plain', 'An address and a card are needed to order.');
        const r = await api.call('orders', 'POST', '/orders', {
          customer: `${user}/customers/${session.customerId}`,
          address: `${user}/addresses/${address.id}`,
          card: `${user}/cards/${card.id}`,
          items: `${api.baseUrl('carts')}/carts/${encodeURIComponent(session.customerId)}/items`,
        });
        return pass(res, r);
      }
    }
    send(res, 404, 'text/html', '<h1>Not Found</h1>');
  };
}

// --- databases and the queue --------------------------------------------------------------------

function datastoreServer(ctx: AppContext, repo: string): NetServer {
  const server = createTcpServer((socket: Socket) => {
    ctx.log(`${new Date().toISOString()} [${repo}] connection accepted from ${socket.remoteAddress}:${socket.remotePort}`);
    socket.on('error', () => undefined);
    socket.once('data', (d: Buffer) => {
      // An HTTP probe or the management UI: a minimal answer; the wire protocols get no reply.
      if (/^(GET|HEAD) /.test(d.toString('latin1', 0, 5))) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK');
    });
  });
  return server;
}
