// The lab's fake of Grafana's HTTP API in-process: Grafana's status codes for basic auth and the
// password change, the datasource proxy (to a loopback HTTP server standing in for Prometheus, since a
// unit test runs no Prometheus; the integration suite proxies to the lab's real one), and the
// dashboards from test/lab/reference — driven through the extension's own Grafana functions.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGrafanaFake, type RunningGrafanaFake } from '../lab/monitoring/grafana-fake.ts';
import { DASHBOARDS_DIR, GRAFANA_DATASOURCE } from '../lab/monitoring/stack.ts';
import { changeGrafanaPassword, findWorkingPassword, GRAFANA_USER } from '../../src/core/observability/grafana.ts';
import { grafanaFetch, grafanaPrometheusUid } from '../../src/core/observability/prometheus.ts';
import { grafanaSource } from '../../src/core/observability/sources.ts';

describe('lab Grafana HTTP API fake', () => {
  let dir: string;
  let upstream: http.Server;
  let seen: { method?: string; url?: string; auth?: string; body: string }[];
  let g: RunningGrafanaFake;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'grafana-fake-'));
    seen = [];
    upstream = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body: Buffer.concat(chunks).toString() });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'success', data: { version: '2.42.0' } }));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const port = (upstream.address() as AddressInfo).port;
    g = await startGrafanaFake({
      port: 0,
      stateFile: join(dir, 'admin.json'),
      dashboardsDir: DASHBOARDS_DIR,
      datasources: [{ id: 1, ...GRAFANA_DATASOURCE, upstream: `http://127.0.0.1:${port}/` }],
    });
  });

  after(async () => {
    await g?.close();
    await new Promise<void>((r) => upstream.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /api/health without credentials and 401s the rest without the right ones', async () => {
    const h = await fetch(`${g.url}/api/health`);
    assert.equal(h.status, 200);
    assert.equal((await h.json()).database, 'ok');
    const none = await fetch(`${g.url}/api/user`);
    assert.equal(none.status, 401);
    assert.deepEqual(await none.json(), { message: 'Unauthorized' });
    const wrong = await grafanaFetch({ url: g.url, user: GRAFANA_USER, password: 'nope' }, 'api/user');
    assert.equal(wrong.status, 401);
    assert.equal((await wrong.json()).message, 'Invalid username or password');
    assert.equal(await findWorkingPassword(g.url, ['nope', 'prom-operator']), 'prom-operator');
  });

  it('changes the password: 401 for a wrong old one, 400 for a short new one, then only the new one works (kept as a hash)', async () => {
    const put = (old: string, next: string) =>
      grafanaFetch({ url: g.url, user: GRAFANA_USER, password: old }, 'api/user/password', { method: 'PUT', body: JSON.stringify({ oldPassword: old, newPassword: next, confirmNew: next }) });
    const short = await put('prom-operator', 'abc');
    assert.equal(short.status, 400);
    assert.equal((await short.json()).message, 'New password is too short');
    await changeGrafanaPassword({ url: g.url, user: GRAFANA_USER, password: 'prom-operator' }, 'a-new-secret');
    assert.equal((await grafanaFetch({ url: g.url, user: GRAFANA_USER, password: 'prom-operator' }, 'api/user')).status, 401);
    assert.equal((await grafanaFetch({ url: g.url, user: GRAFANA_USER, password: 'a-new-secret' }, 'api/user')).status, 200);
    const bad = await grafanaFetch({ url: g.url, user: GRAFANA_USER, password: 'a-new-secret' }, 'api/user/password', {
      method: 'PUT',
      body: JSON.stringify({ oldPassword: 'prom-operator', newPassword: 'whatever1', confirmNew: 'whatever1' }),
    });
    assert.equal(bad.status, 401);
    assert.equal((await bad.json()).message, 'Invalid old password');
    assert.ok(!readFileSync(join(dir, 'admin.json'), 'utf8').includes('a-new-secret'));
    await changeGrafanaPassword({ url: g.url, user: GRAFANA_USER, password: 'a-new-secret' }, 'prom-operator');
  });

  it('proxies /api/datasources/proxy/uid/<uid>/… to the datasource without the user credentials', async () => {
    const creds = { url: g.url, user: GRAFANA_USER, password: 'prom-operator' };
    assert.equal(await grafanaPrometheusUid(creds), 'prometheus');
    const r = await grafanaFetch(creds, 'api/datasources/proxy/uid/prometheus/api/v1/status/buildinfo?x=1');
    assert.equal(r.status, 200);
    assert.equal((await r.json()).data.version, '2.42.0');
    const post = await grafanaFetch(creds, 'api/datasources/proxy/1/api/v1/query', { method: 'POST', body: 'query=up', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(post.status, 200);
    assert.deepEqual(seen.map((s) => [s.method, s.url, s.auth, s.body]), [
      ['GET', '/api/v1/status/buildinfo?x=1', undefined, ''],
      ['POST', '/api/v1/query', undefined, 'query=up'],
    ]);
    assert.equal((await grafanaFetch(creds, 'api/datasources/proxy/uid/nope/api/v1/query')).status, 404);
  });

  it("lists and serves the chart's dashboards", async () => {
    const src = grafanaSource({ url: g.url, user: GRAFANA_USER, password: 'prom-operator' });
    const list = await src.list();
    assert.ok(list.length >= 5, `dashboards: ${list.length}`);
    const ns = list.find((d) => d.uid === '85a562078cdf77779eaa1add43ccec1e');
    assert.ok(ns, 'the Namespace (Pods) dashboard');
    assert.match(ns.source, /^Grafana http:\/\/127\.0\.0\.1:\d+ \(Kubernetes\)$/);
    const doc = JSON.parse(await src.load(ns.uid));
    assert.equal(doc.dashboard.uid, ns.uid);
    assert.equal(doc.meta.folderTitle, 'Kubernetes');
  });
});
