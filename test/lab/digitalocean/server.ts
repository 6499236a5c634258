// The lab's DigitalOcean API v2: an HTTP server over the model (the "fake", behind Prism) and a thin
// front server (the URL clients use) that forwards to Prism and is where dropped connections happen.
//
//   client ── front (/v2/*) ──► Prism (validates request and response) ──► fake
//          └─ front (/_lab/*) ───────────────────────────────────────────► fake's control endpoint
//
// The lab runs it as a daemon through daemon.ts.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import YAML from 'yaml';
import { KUBE_VERSIONS, REGIONS, SIZES } from './catalog';
import { Faults, parseRule, type StoredRule } from './faults';
import { labCluster, type LabCluster } from './labcluster';
import { ApiError, DigitalOceanModel, notFound } from './model';

export interface FakeConfig {
  /** Port of the fake itself (0 = any). */
  fakePort: number;
  /** Port of the front server (0 = any); absent = no front server. */
  frontPort?: number;
  /** Where the front forwards /v2 traffic (Prism); required with frontPort. */
  prismUrl?: string;
  /** The one API token the fake accepts. */
  token: string;
  provisionMs: number;
  deleteMs: number;
  /** The lab cluster's admin kubeconfig and the lab's state directory. */
  kubeconfig: string;
  home: string;
  /** Account e-mail shown by GET /v2/account. */
  email?: string;
  /**
   * Port of the TokenReview webhook the lab's kube-apiserver asks about the kubeconfig tokens handed
   * out here (the cluster component picks it: components.cluster.tokenWebhookPort); absent = none.
   */
  tokenReviewPort?: number;
}

export interface RunningFake {
  fakeUrl: string;
  frontUrl?: string;
  tokenReviewUrl?: string;
  model: DigitalOceanModel;
  faults: Faults;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body?: unknown;
  /** Raw text with its content type (the kubeconfig is YAML). */
  text?: { contentType: string; data: string };
  headers?: Record<string, string>;
}

interface OneClickJob {
  cluster: string;
  slug: string;
  state: 'installing' | 'installed' | 'failed';
  started: string;
  finished?: string;
  error?: string;
}

const RATE_LIMIT = 5000;

export function logLine(msg: string): void {
  process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFake(
  cfg: FakeConfig,
  cluster: LabCluster = labCluster(cfg.kubeconfig, cfg.home),
  /** One line per notable event (never a token). */
  log: (msg: string) => void = logLine,
): Promise<RunningFake> {
  const model = new DigitalOceanModel({ provisionMs: cfg.provisionMs, deleteMs: cfg.deleteMs });
  const faults = new Faults();
  const jobs: OneClickJob[] = [];
  let installs: Promise<void> = Promise.resolve();
  let token = cfg.token;
  const accountUuid = randomUUID();
  // DigitalOcean counts requests per token over a rolling hour; the lab uses fixed hour windows.
  let window = { start: Date.now(), used: 0 };

  const rateHeaders = (remaining?: number, resetAt?: number): Record<string, string> => {
    const now = Date.now();
    if (now - window.start >= 3_600_000) window = { start: now, used: 0 };
    return {
      'ratelimit-limit': String(RATE_LIMIT),
      'ratelimit-remaining': String(remaining ?? Math.max(0, RATE_LIMIT - window.used)),
      'ratelimit-reset': String(Math.ceil((resetAt ?? window.start + 3_600_000) / 1000)),
    };
  };

  const send = (res: http.ServerResponse, r: Reply) => {
    const headers: Record<string, string> = { ...r.headers };
    let data = '';
    if (r.text) {
      headers['content-type'] = r.text.contentType;
      data = r.text.data;
    } else if (r.body !== undefined && r.status !== 204) {
      headers['content-type'] = 'application/json; charset=utf-8';
      data = JSON.stringify(r.body);
    }
    headers['content-length'] = String(Buffer.byteLength(data));
    res.writeHead(r.status, headers);
    res.end(data);
  };

  const errorBody = (id: string, message: string) => ({ id, message, request_id: randomUUID() });

  const syncLbs = async () => {
    // Nothing can own a load balancer without a cluster record; skip the cluster round trip then.
    if (model.listClusters().length === 0 && model.listLoadBalancers().length === 0) return;
    let services;
    try {
      services = await withTimeout(cluster.loadBalancerServices(), 5000);
    } catch (err) {
      // DigitalOcean's API does not depend on the cluster's control plane (the lab's fault tests
      // stop it): keep the load balancers as last seen.
      log(`cannot list the lab cluster's Services, load balancers stay as last seen: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    model.syncLoadBalancers(services);
  };

  /** Server and CA of the lab cluster, and a new token of this cluster valid for expirySeconds. */
  const kubeconfigFor = (clusterId: string, expirySeconds: number | undefined) => {
    const c = model.requireRunning(clusterId, 'the kubeconfig');
    let access;
    try {
      access = cluster.access();
    } catch (err) {
      throw new ApiError(500, 'server_error', `lab: ${err instanceof Error ? err.message : String(err)}`);
    }
    const name = `do-${c.region}-${c.name}`;
    const { token, expiresAt } = model.issueToken(c.id, expirySeconds);
    return { name, access, token, expiresAt };
  };

  const expiryParam = (q: URLSearchParams): number | undefined => {
    const v = q.get('expiry_seconds');
    if (v === null) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new ApiError(422, 'unprocessable_entity', 'expiry_seconds must be a non-negative integer');
    return n;
  };

  const paged = <T>(key: string, items: T[], q: URLSearchParams, base: string) => {
    const perPage = Math.min(200, Math.max(1, Number(q.get('per_page') ?? 20) || 20));
    const page = Math.max(1, Number(q.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const pages: Record<string, string> = {};
    const link = (p: number) => `${base}?page=${p}&per_page=${perPage}`;
    if (page < last) Object.assign(pages, { next: link(page + 1), last: link(last) });
    if (page > 1) Object.assign(pages, { first: link(1), prev: link(page - 1) });
    return { [key]: items.slice((page - 1) * perPage, page * perPage), links: { pages }, meta: { total: items.length } };
  };

  type Handler = (m: RegExpExecArray, q: URLSearchParams, body: unknown) => Promise<Reply> | Reply;
  const routes: [string, RegExp, Handler][] = [
    ['GET', /^\/v2\/account$/, () => ({
      status: 200,
      body: {
        account: {
          droplet_limit: 25,
          floating_ip_limit: 3,
          email: cfg.email ?? 'developer@sock-shop.lab',
          name: 'Sock Shop Lab',
          uuid: accountUuid,
          email_verified: true,
          status: 'active',
          status_message: '',
          team: { uuid: accountUuid, name: 'My Team' },
        },
      },
    })],
    ['GET', /^\/v2\/kubernetes\/options$/, () => ({
      status: 200,
      body: {
        options: {
          regions: REGIONS.map((r) => ({ name: r.name, slug: r.slug })),
          versions: KUBE_VERSIONS,
          sizes: SIZES.map((s) => ({ name: s.slug, slug: s.slug })),
        },
      },
    })],
    ['GET', /^\/v2\/sizes$/, (_m, q) => ({
      status: 200,
      body: paged(
        'sizes',
        SIZES.map((s) => ({
          slug: s.slug,
          memory: s.memory,
          vcpus: s.vcpus,
          disk: s.disk,
          transfer: s.transfer,
          price_monthly: s.price_monthly,
          price_hourly: s.price_hourly,
          regions: REGIONS.map((r) => r.slug),
          available: true,
          description: s.description,
          disk_info: [{ type: 'local', size: { amount: s.disk, unit: 'gib' } }],
        })),
        q,
        '/v2/sizes',
      ),
    })],
    ['GET', /^\/v2\/kubernetes\/clusters$/, (_m, q) => ({ status: 200, body: paged('kubernetes_clusters', model.listClusters(), q, '/v2/kubernetes/clusters') })],
    ['POST', /^\/v2\/kubernetes\/clusters$/, (_m, _q, body) => {
      const c = model.createCluster((body ?? {}) as Record<string, unknown>);
      log(`cluster ${c.id} (${c.name}, ${c.region}, ${c.version}) created`);
      return { status: 201, body: { kubernetes_cluster: c } };
    }],
    ['GET', /^\/v2\/kubernetes\/clusters\/([^/]+)$/, (m) => ({ status: 200, body: { kubernetes_cluster: model.getCluster(m[1]) } })],
    ['DELETE', /^\/v2\/kubernetes\/clusters\/([^/]+)$/, (m) => {
      model.deleteCluster(m[1]);
      log(`cluster ${m[1]} deleted (its load balancers stay)`);
      return { status: 204 };
    }],
    ['GET', /^\/v2\/kubernetes\/clusters\/([^/]+)\/node_pools$/, (m) => ({ status: 200, body: { node_pools: model.listPools(m[1]) } })],
    ['POST', /^\/v2\/kubernetes\/clusters\/([^/]+)\/node_pools$/, (m, _q, body) => ({ status: 201, body: { node_pool: model.addPool(m[1], body) } })],
    ['GET', /^\/v2\/kubernetes\/clusters\/([^/]+)\/node_pools\/([^/]+)$/, (m) => ({ status: 200, body: { node_pool: model.getPool(m[1], m[2]) } })],
    ['PUT', /^\/v2\/kubernetes\/clusters\/([^/]+)\/node_pools\/([^/]+)$/, (m, _q, body) => ({ status: 202, body: { node_pool: model.updatePool(m[1], m[2], body) } })],
    ['DELETE', /^\/v2\/kubernetes\/clusters\/([^/]+)\/node_pools\/([^/]+)$/, (m) => {
      model.deletePool(m[1], m[2]);
      return { status: 204 };
    }],
    ['GET', /^\/v2\/kubernetes\/clusters\/([^/]+)\/kubeconfig$/, (m, q) => {
      const { name, access, token: kubeToken } = kubeconfigFor(m[1], expiryParam(q));
      const doc = {
        apiVersion: 'v1',
        clusters: [
          {
            cluster: {
              ...(access.caData ? { 'certificate-authority-data': access.caData } : {}),
              ...(access.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
              server: access.server,
            },
            name,
          },
        ],
        contexts: [{ context: { cluster: name, user: `${name}-admin` }, name }],
        'current-context': name,
        kind: 'Config',
        preferences: {},
        users: [{ name: `${name}-admin`, user: { token: kubeToken } }],
      };
      return { status: 200, text: { contentType: 'application/yaml', data: YAML.stringify(doc) } };
    }],
    ['GET', /^\/v2\/kubernetes\/clusters\/([^/]+)\/credentials$/, (m, q) => {
      const { access, token: kubeToken, expiresAt } = kubeconfigFor(m[1], expiryParam(q));
      return {
        status: 200,
        body: {
          server: access.server,
          certificate_authority_data: access.caData ?? '',
          client_certificate_data: null,
          client_key_data: null,
          token: kubeToken,
          expires_at: expiresAt,
        },
      };
    }],
    ['GET', /^\/v2\/kubernetes\/clusters\/([^/]+)\/destroy_with_associated_resources$/, async (m) => {
      model.clusterInfo(m[1]);
      await syncLbs();
      return { status: 200, body: model.associatedResources(m[1]) };
    }],
    ['DELETE', /^\/v2\/kubernetes\/clusters\/([^/]+)\/destroy_with_associated_resources\/dangerous$/, async (m) => {
      model.clusterInfo(m[1]);
      await syncLbs();
      const lbs = model.associatedResources(m[1]).load_balancers;
      model.destroyDangerous(m[1]);
      log(`cluster ${m[1]} destroyed with ${lbs.length} load balancer(s)`);
      return { status: 204 };
    }],
    ['GET', /^\/v2\/1-clicks$/, (_m, q) => ({ status: 200, body: { '1_clicks': model.oneClicks(q.get('type') ?? undefined) } })],
    ['POST', /^\/v2\/1-clicks\/kubernetes$/, async (_m, _q, body) => {
      const req = model.requestOneClicks((body ?? {}) as Record<string, unknown>);
      try {
        await cluster.checkInstaller();
      } catch (err) {
        throw new ApiError(500, 'server_error', `lab: ${err instanceof Error ? err.message : String(err)}`);
      }
      for (const slug of req.slugs) {
        const job: OneClickJob = { cluster: req.cluster, slug, state: 'installing', started: new Date().toISOString() };
        jobs.push(job);
        // Like DigitalOcean, answer at once and install in the background (one install at a time).
        installs = installs.then(async () => {
          log(`1-click ${slug} for cluster ${req.cluster}: installing`);
          try {
            await cluster.installMonitoring();
            job.state = 'installed';
            log(`1-click ${slug} for cluster ${req.cluster}: installed`);
          } catch (err) {
            job.state = 'failed';
            job.error = err instanceof Error ? err.message : String(err);
            log(`1-click ${slug} for cluster ${req.cluster}: FAILED: ${job.error}`);
          }
          job.finished = new Date().toISOString();
        });
      }
      return { status: 200, body: { message: 'Successfully kicked off addon job.' } };
    }],
    ['GET', /^\/v2\/load_balancers$/, async (_m, q) => {
      await syncLbs();
      return { status: 200, body: paged('load_balancers', model.listLoadBalancers(), q, '/v2/load_balancers') };
    }],
    ['GET', /^\/v2\/load_balancers\/([^/]+)$/, async (m) => {
      await syncLbs();
      return { status: 200, body: { load_balancer: model.getLoadBalancer(m[1]) } };
    }],
    ['DELETE', /^\/v2\/load_balancers\/([^/]+)$/, async (m) => {
      await syncLbs();
      model.deleteLoadBalancer(m[1]);
      return { status: 204 };
    }],
  ];

  /** A 200 whose body breaks the contract: every top-level value replaced by a string. */
  const invalidate = (r: Reply): Reply => {
    const src = r.body && typeof r.body === 'object' ? (r.body as Record<string, unknown>) : {};
    const broken = Object.fromEntries(Object.keys(src).map((k) => [k, 'lab: deliberately invalid']));
    return { status: 200, body: Object.keys(broken).length ? broken : { lab_invalid: 'lab: deliberately invalid' } };
  };

  const control = async (req: http.IncomingMessage, res: http.ServerResponse, path: string) => {
    const json = (status: number, body: unknown) => send(res, { status, body });
    try {
      const raw = await readBody(req);
      const body = raw ? (JSON.parse(raw) as unknown) : undefined;
      if (path === '/_lab/faults' && req.method === 'GET') return json(200, { faults: faults.list() });
      if (path === '/_lab/faults' && req.method === 'POST') {
        const list = Array.isArray(body) ? body : body && typeof body === 'object' && 'rules' in body ? (body as { rules: unknown[] }).rules : [body];
        const added = list.map((r) => faults.add(parseRule(r)));
        log(`faults added: ${added.map((r) => `#${r.id} ${r.kind} ${r.method ?? '*'} ${r.path ?? '*'} x${r.count ?? '∞'}`).join('; ')}`);
        return json(200, { added, faults: faults.list() });
      }
      if (path === '/_lab/faults' && req.method === 'DELETE') {
        faults.clear();
        return json(200, { faults: [] });
      }
      if (path === '/_lab/reset' && req.method === 'POST') {
        faults.clear();
        model.reset();
        model.configure({ provisionMs: cfg.provisionMs, deleteMs: cfg.deleteMs });
        token = cfg.token;
        jobs.length = 0;
        log('reset');
        return json(200, { ok: true });
      }
      if (path === '/_lab/config' && req.method === 'POST') {
        const o = (body ?? {}) as Record<string, unknown>;
        const num = (k: string) => {
          if (o[k] === undefined) return undefined;
          const n = Number(o[k]);
          if (!Number.isInteger(n) || n < 0) throw new Error(`${k} must be a non-negative integer`);
          return n;
        };
        model.configure({ provisionMs: num('provisionMs'), deleteMs: num('deleteMs') });
        if (o.token !== undefined) {
          if (typeof o.token !== 'string' || !o.token) throw new Error('token must be a non-empty string');
          token = o.token;
        }
        return json(200, { provisionMs: model.options.provisionMs, deleteMs: model.options.deleteMs });
      }
      if (path === '/_lab/state' && req.method === 'GET')
        return json(200, { ...model.snapshot(), oneClicks: jobs, faults: faults.list() });
      if (path === '/_lab/healthz') return json(200, { ok: true });
      return json(404, { error: `no lab control endpoint ${req.method} ${path}` });
    } catch (err) {
      return json(400, { error: err instanceof Error ? err.message : String(err) });
    }
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://lab');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path.startsWith('/_lab/')) return control(req, res, path);
    const method = req.method ?? 'GET';
    window.used++;

    const fault: StoredRule | undefined = faults.take('upstream', method, path);
    if (fault) log(`fault #${fault.id} ${fault.kind} on ${method} ${path}`);
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'rate-limit') {
      const retry = fault.retryAfterS ?? 2;
      const resetAt = Date.now() + retry * 1000;
      await readBody(req);
      return send(res, {
        status: 429,
        body: errorBody('too_many_requests', 'API Rate limit exceeded.'),
        headers: { ...rateHeaders(0, resetAt), 'retry-after': String(retry) },
      });
    }
    if (fault?.kind === 'error') {
      await readBody(req);
      const status = fault.status ?? 500;
      const id = status === 503 ? 'service_unavailable' : status === 502 ? 'bad_gateway' : status === 504 ? 'gateway_timeout' : 'server_error';
      return send(res, { status, body: errorBody(id, 'Server was unable to give you a response.'), headers: rateHeaders() });
    }
    if (fault?.kind === 'delay') await sleep(fault.delayMs ?? 0);

    let reply: Reply;
    try {
      const raw = await readBody(req);
      const auth = req.headers.authorization ?? '';
      if (auth !== `Bearer ${token}`) throw new ApiError(401, 'Unauthorized', 'Unable to authenticate you');
      let body: unknown;
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          throw new ApiError(400, 'bad_request', 'request body is not valid JSON');
        }
      }
      let route: [RegExpExecArray, Handler] | undefined;
      let pathKnown = false;
      for (const [m, re, h] of routes) {
        const match = re.exec(path);
        if (!match) continue;
        pathKnown = true;
        if (m === method) {
          route = [match, h];
          break;
        }
      }
      if (!route) throw pathKnown ? new ApiError(405, 'method_not_allowed', `${method} is not allowed on ${path}`) : notFound();
      reply = await route[1](route[0], url.searchParams, body);
    } catch (err) {
      if (err instanceof ApiError) reply = { status: err.status, body: errorBody(err.id, err.message) };
      else {
        log(`error on ${method} ${path}: ${err instanceof Error ? err.stack : String(err)}`);
        reply = { status: 500, body: errorBody('server_error', `lab: ${err instanceof Error ? err.message : String(err)}`) };
      }
    }
    if (fault?.kind === 'invalid') reply = invalidate(reply);
    reply.headers = { ...rateHeaders(), ...reply.headers };
    if (reply.status >= 400) log(`${method} ${path} -> ${reply.status} ${(reply.body as { message?: string })?.message ?? ''}`);
    send(res, reply);
  };

  const fake = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      log(`unhandled: ${err instanceof Error ? err.stack : String(err)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await listen(fake, cfg.fakePort);
  const fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;

  let front: http.Server | undefined;
  let frontUrl: string | undefined;
  if (cfg.frontPort !== undefined) {
    if (!cfg.prismUrl) throw new Error('a front server needs prismUrl');
    const prism = new URL(cfg.prismUrl);
    const fakeTarget = new URL(fakeUrl);
    front = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://lab').pathname;
      const control = path.startsWith('/_lab/');
      const fault = control ? undefined : faults.take('front', req.method ?? 'GET', path.replace(/\/+$/, ''));
      if (fault) log(`fault #${fault.id} drop (${fault.when}) in front of Prism on ${req.method} ${path}`);
      if (fault?.when !== 'response' && fault) {
        req.resume();
        req.on('end', () => req.socket.destroy());
        return;
      }
      const target = control ? fakeTarget : prism;
      const upstream = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (up) => {
          if (fault) {
            // Status line, headers and half the body, then the connection goes.
            const chunks: Buffer[] = [];
            up.on('data', (c: Buffer) => chunks.push(c));
            up.on('end', () => {
              const all = Buffer.concat(chunks);
              res.writeHead(up.statusCode ?? 502, up.headers);
              res.write(all.subarray(0, Math.floor(all.length / 2)));
              setTimeout(() => res.socket?.destroy(), 20);
            });
            return;
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', (err) => {
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id: 'bad_gateway', message: `lab: the DigitalOcean validation proxy is unreachable: ${err.message}` }));
        } else res.destroy();
      });
      req.pipe(upstream);
    });
    await listen(front, cfg.frontPort);
    frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  }

  let review: http.Server | undefined;
  let tokenReviewUrl: string | undefined;
  if (cfg.tokenReviewPort !== undefined) {
    review = http.createServer((req, res) => {
      tokenReview(req, model, log).then(
        (r) => {
          res.writeHead(r.status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(r.body));
        },
        (err) => {
          log(`token review failed: ${err instanceof Error ? err.message : String(err)}`);
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'token review failed' }));
        },
      );
    });
    await listen(review, cfg.tokenReviewPort);
    tokenReviewUrl = `http://127.0.0.1:${(review.address() as AddressInfo).port}${TOKEN_REVIEW_PATH}`;
  }

  return {
    fakeUrl,
    frontUrl,
    tokenReviewUrl,
    model,
    faults,
    async close() {
      for (const s of [review, front, fake]) {
        if (!s) continue;
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}

/** The path the lab's apiserver POSTs to (test/lab/cluster.ts, TOKEN_WEBHOOK_PATH). */
export const TOKEN_REVIEW_PATH = '/authenticate';

/**
 * A TokenReview (authentication.k8s.io/v1) from the apiserver's webhook token authenticator,
 * answered from the model: the kubeconfig tokens handed out here authenticate as a cluster admin
 * (as a DOKS kubeconfig's do) until their expires_at. A refusal is a 200 with authenticated:false
 * and the reason in status.error, which the apiserver logs and answers with 401.
 */
async function tokenReview(req: http.IncomingMessage, model: DigitalOceanModel, log: (m: string) => void): Promise<{ status: number; body: unknown }> {
  const path = new URL(req.url ?? '/', 'http://lab').pathname;
  const raw = await readBody(req);
  if (req.method !== 'POST' || path !== TOKEN_REVIEW_PATH) return { status: 404, body: { error: `no ${req.method} ${path} here; POST ${TOKEN_REVIEW_PATH}` } };
  let review: { apiVersion?: string; kind?: string; spec?: { token?: unknown; audiences?: unknown } };
  try {
    review = JSON.parse(raw);
  } catch {
    return { status: 400, body: { error: 'the body is not JSON' } };
  }
  if (review.kind !== 'TokenReview' || review.apiVersion !== 'authentication.k8s.io/v1')
    return { status: 400, body: { error: `expected an authentication.k8s.io/v1 TokenReview, got ${review.apiVersion}/${review.kind}` } };
  const token = typeof review.spec?.token === 'string' ? review.spec.token : '';
  const audiences = Array.isArray(review.spec?.audiences) ? review.spec.audiences.filter((a): a is string => typeof a === 'string') : [];
  const verdict = model.reviewToken(token);
  const base = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview' };
  if (!verdict.authenticated) {
    log(`token review: refused (${verdict.error})`);
    return { status: 200, body: { ...base, status: { authenticated: false, error: verdict.error } } };
  }
  return {
    status: 200,
    body: {
      ...base,
      status: {
        authenticated: true,
        user: {
          username: `doks:${verdict.clusterId}:admin`,
          uid: `doks-admin-${verdict.clusterId}`,
          groups: ['system:masters', 'system:authenticated'],
          extra: { 'digitalocean.com/cluster-name': [verdict.clusterName] },
        },
        // Valid for whatever the apiserver asked (an empty list would mean its own audiences too).
        audiences,
      },
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
