// A FAKE of Grafana's HTTP API — not Grafana. Grafana is under the AGPL and is not used by this
// project; Debian ships no Grafana either. This server answers exactly the endpoints Sock Shop Lab
// calls (src/core/observability: grafana.ts, prometheus.ts, sources.ts), written from Grafana's
// published HTTP API documentation (grafana.com/docs/grafana/latest/developers/http_api/: health,
// user, data source, data source proxy, search, dashboard), with Grafana's shapes and status codes:
//
//   GET  /api/health                               no auth; { commit, database: "ok", version }
//   GET  /api/user                                 basic auth; the signed-in user (the login check)
//   PUT  /api/user/password                        { oldPassword, newPassword, confirmNew }: 200
//                                                  "User password changed"; 401 "Invalid old
//                                                  password"; 400 "New password is too short" (< 4)
//   GET  /api/datasources                          the one Prometheus datasource of kube-prometheus-stack
//   ANY  /api/datasources/proxy/uid/<uid>/<path>   forwarded to the datasource (and /proxy/<id>/…)
//   GET  /api/search?type=dash-db                  the dashboards the chart ships (test/lab/reference)
//   GET  /api/dashboards/uid/<uid>                 { dashboard, meta }
//   GET  /  and  /login                            a small page saying what this is (Open Grafana)
//
// Wrong or missing credentials on /api/* get 401 {"message":"Invalid username or password"} (or
// "Unauthorized" without any). The datasource's cluster URL (kube-prometheus-stack-prometheus.
// kube-prometheus-stack:9090) does not resolve outside a cluster, so the proxy sends its requests to
// the lab's real Prometheus on loopback instead, as Grafana's pod would reach that Service. The
// admin password survives restarts (a scrypt hash in the state file), as Grafana keeps it in its DB.
//
// Runs as a lab daemon, `node <bundle of this file> <config.json>` (test/lab/monitoring.ts bundles it
// with esbuild at start); the Grafana pod's port 3000 is port-forwarded to it.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';

export const GRAFANA_FAKE_VERSION = '12.0.2';
export const ADMIN_LOGIN = 'admin';
export const DEFAULT_ADMIN_PASSWORD = 'prom-operator';

export interface GrafanaDatasource {
  id: number;
  uid: string;
  name: string;
  type: string;
  /** The URL Grafana is configured with (shown by /api/datasources). */
  url: string;
  /** Where the fake really sends proxied requests (loopback). */
  upstream: string;
  isDefault: boolean;
  jsonData: Record<string, unknown>;
}

export interface GrafanaFakeConfig {
  port: number;
  /** Where the admin password's hash is kept. */
  stateFile: string;
  dashboardsDir: string;
  datasources: GrafanaDatasource[];
  /** Initial admin password (the chart's default) when the state file has none. */
  adminPassword?: string;
}

export interface RunningGrafanaFake {
  url: string;
  close(): Promise<void>;
}

interface Stored {
  salt: string;
  hash: string;
  updatedAt: string;
}

const hashOf = (password: string, salt: string) => scryptSync(password, salt, 32).toString('hex');

function loadStored(file: string, initial: string): Stored {
  if (existsSync(file)) {
    try {
      const s = JSON.parse(readFileSync(file, 'utf8')) as Stored;
      if (s.salt && s.hash) return s;
    } catch {
      /* rewritten below */
    }
  }
  const salt = randomBytes(16).toString('hex');
  const s = { salt, hash: hashOf(initial, salt), updatedAt: new Date().toISOString() };
  save(file, s);
  return s;
}

function save(file: string, s: Stored): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(s) + '\n', { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

function dashboards(dir: string): Map<string, { uid: string; title: string; json: Record<string, unknown> }> {
  const out = new Map<string, { uid: string; title: string; json: Record<string, unknown> }>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    const json = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
    const uid = typeof json.uid === 'string' ? json.uid : basename(f, '.json');
    out.set(uid, { uid, title: typeof json.title === 'string' ? json.title : uid, json });
  }
  return out;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startGrafanaFake(cfg: GrafanaFakeConfig, log: (m: string) => void = () => undefined): Promise<RunningGrafanaFake> {
  let stored = loadStored(cfg.stateFile, cfg.adminPassword ?? DEFAULT_ADMIN_PASSWORD);
  const boards = dashboards(cfg.dashboardsDir);
  const created = new Date().toISOString();

  const passwordOk = (password: string) => {
    const a = Buffer.from(hashOf(password, stored.salt), 'hex');
    const b = Buffer.from(stored.hash, 'hex');
    return a.length === b.length && timingSafeEqual(a, b);
  };

  /** Basic auth: the admin user with the current password. */
  const authenticate = (req: http.IncomingMessage): 'ok' | 'missing' | 'invalid' => {
    const h = req.headers.authorization ?? '';
    const m = /^Basic\s+(.+)$/i.exec(h);
    if (!m) return 'missing';
    const text = Buffer.from(m[1], 'base64').toString('utf8');
    const i = text.indexOf(':');
    if (i < 0) return 'invalid';
    return text.slice(0, i) === ADMIN_LOGIN && passwordOk(text.slice(i + 1)) ? 'ok' : 'invalid';
  };

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    const data = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), 'cache-control': 'no-store' });
    res.end(data);
  };

  const user = () => ({
    id: 1,
    uid: 'admin',
    email: 'admin@localhost',
    name: '',
    login: ADMIN_LOGIN,
    theme: '',
    orgId: 1,
    isGrafanaAdmin: true,
    isDisabled: false,
    isExternal: false,
    isExternallySynced: false,
    isGrafanaAdminExternallySynced: false,
    authLabels: [],
    updatedAt: stored.updatedAt,
    createdAt: created,
    avatarUrl: '/avatar/46d229b033af06a191ff2267bca9ae56',
    isProvisioned: false,
  });

  const datasourceView = (d: GrafanaDatasource) => ({
    id: d.id,
    uid: d.uid,
    orgId: 1,
    name: d.name,
    type: d.type,
    typeName: d.type === 'prometheus' ? 'Prometheus' : d.type,
    typeLogoUrl: `public/app/plugins/datasource/${d.type}/img/${d.type}_logo.svg`,
    access: 'proxy',
    url: d.url,
    user: '',
    database: '',
    basicAuth: false,
    isDefault: d.isDefault,
    jsonData: d.jsonData,
    readOnly: true,
  });

  /** The datasource proxy: method, path, query and body go to the datasource; the user's credentials do not. */
  const proxy = async (req: http.IncomingMessage, res: http.ServerResponse, d: GrafanaDatasource, rest: string, search: string) => {
    const body = await readBody(req);
    const target = new URL(rest.replace(/^\/+/, '') + search, d.upstream.endsWith('/') ? d.upstream : `${d.upstream}/`);
    const headers: Record<string, string> = { accept: String(req.headers.accept ?? '*/*') };
    if (req.headers['content-type']) headers['content-type'] = String(req.headers['content-type']);
    let up: Response;
    try {
      up = await fetch(target, { method: req.method, headers, body: body.length ? new Uint8Array(body) : undefined, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      log(`datasource proxy to ${target.origin}: ${(err as Error).message}`);
      return json(res, 502, { message: 'Bad Gateway', error: (err as Error).message });
    }
    const data = Buffer.from(await up.arrayBuffer());
    res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/octet-stream', 'content-length': data.length });
    res.end(data);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://grafana');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/api/health' && method === 'GET') return json(res, 200, { database: 'ok', version: GRAFANA_FAKE_VERSION, commit: 'lab-fake' });
    if (path === '/' || path === '/login') {
      if (path === '/') {
        res.writeHead(302, { location: '/login' });
        return res.end();
      }
      const page = `<!doctype html><html><head><title>Grafana (lab)</title></head><body><h1>Grafana</h1><p>This is Sock Shop Lab's fake of Grafana's HTTP API (the /api endpoints the extension uses), not Grafana. Dashboards open in the editor with "Sock Shop: Open Metrics".</p></body></html>`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page) });
      return res.end(page);
    }
    if (!path.startsWith('/api/')) return json(res, 404, { message: 'Not found' });
    const auth = authenticate(req);
    if (auth !== 'ok') {
      await readBody(req);
      return json(res, 401, auth === 'missing' ? { message: 'Unauthorized' } : { message: 'Invalid username or password', messageId: 'password-auth.failed', statusCode: 401, traceID: '' });
    }
    if (path === '/api/user' && method === 'GET') return json(res, 200, user());
    if (path === '/api/user/password' && method === 'PUT') {
      let body: { oldPassword?: unknown; newPassword?: unknown; confirmNew?: unknown };
      try {
        body = JSON.parse((await readBody(req)).toString('utf8') || '{}');
      } catch {
        return json(res, 400, { message: 'bad request data' });
      }
      if (typeof body.oldPassword !== 'string' || !passwordOk(body.oldPassword)) return json(res, 401, { message: 'Invalid old password' });
      if (typeof body.newPassword !== 'string' || body.newPassword.length < 4) return json(res, 400, { message: 'New password is too short' });
      const salt = randomBytes(16).toString('hex');
      stored = { salt, hash: hashOf(body.newPassword, salt), updatedAt: new Date().toISOString() };
      save(cfg.stateFile, stored);
      log('admin password changed');
      return json(res, 200, { message: 'User password changed' });
    }
    if (path === '/api/datasources' && method === 'GET') return json(res, 200, cfg.datasources.map(datasourceView));
    const px = /^\/api\/datasources\/proxy\/(?:uid\/([^/]+)|(\d+))(\/.*)?$/.exec(path);
    if (px) {
      const d = cfg.datasources.find((x) => (px[1] !== undefined ? x.uid === decodeURIComponent(px[1]) : x.id === Number(px[2])));
      if (!d) {
        await readBody(req);
        return json(res, 404, { message: 'Unable to find datasource' });
      }
      return proxy(req, res, d, px[3] ?? '/', url.search);
    }
    if (path === '/api/search' && method === 'GET') {
      const type = url.searchParams.get('type');
      const query = (url.searchParams.get('query') ?? '').toLowerCase();
      const limit = Number(url.searchParams.get('limit') ?? 1000) || 1000;
      if (type && type !== 'dash-db') return json(res, 200, []);
      const hits = [...boards.values()]
        .filter((b) => !query || b.title.toLowerCase().includes(query))
        .slice(0, limit)
        .map((b, i) => ({
          id: i + 1,
          uid: b.uid,
          orgId: 1,
          title: b.title,
          uri: `db/${slug(b.title)}`,
          url: `/d/${b.uid}/${slug(b.title)}`,
          slug: '',
          type: 'dash-db',
          tags: Array.isArray(b.json.tags) ? b.json.tags : [],
          isStarred: false,
          folderId: 1,
          folderUid: 'kubernetes',
          folderTitle: 'Kubernetes',
          folderUrl: '/dashboards/f/kubernetes/kubernetes',
        }));
      return json(res, 200, hits);
    }
    const dash = /^\/api\/dashboards\/uid\/([^/]+)$/.exec(path);
    if (dash && method === 'GET') {
      const b = boards.get(decodeURIComponent(dash[1]));
      if (!b) return json(res, 404, { message: 'Dashboard not found' });
      return json(res, 200, {
        dashboard: { ...b.json, id: [...boards.keys()].indexOf(b.uid) + 1 },
        meta: { type: 'db', canSave: true, canEdit: true, canAdmin: true, canStar: true, slug: slug(b.title), url: `/d/${b.uid}/${slug(b.title)}`, provisioned: true, folderUid: 'kubernetes', folderTitle: 'Kubernetes', created, updated: created, version: 1 },
      });
    }
    await readBody(req);
    return json(res, 404, { message: 'Not found' });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      log(`error on ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) json(res, 500, { message: 'Internal Server Error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8')) as GrafanaFakeConfig;
  const log = (m: string) => process.stdout.write(`${new Date().toISOString()} ${m}\n`);
  startGrafanaFake(cfg, log).then(
    (g) => log(`Grafana HTTP API fake on ${g.url}`),
    (err) => {
      log(`cannot start: ${(err as Error).message}`);
      process.exit(1);
    },
  );
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
}
