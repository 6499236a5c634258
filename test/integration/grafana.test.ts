// Grafana's commands against the lab: the Monitoring Stack's Grafana Service is reached the way the
// extension reaches it (port-forward through the apiserver to the Grafana pod, or its load balancer),
// and behind the pod's port 3000 answers the lab's fake of Grafana's HTTP API
// (test/lab/monitoring/grafana-fake.ts). Covered: Open Grafana (which URL is chosen), Change Grafana
// Password (the old password rejected afterwards, the new one kept only in secret storage) and the
// metrics panel's datasource-proxy path to the lab's real Prometheus, plus dashboards from Grafana's API.
//
// MemorySecrets below stands in for VS Code's SecretStorage (get/store/delete of strings), which
// exists only inside the editor; the command's other steps are the extension's own core functions.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { installMonitoringStack, GRAFANA_SERVICE, STACK_NAMESPACE, type MonitoringState } from '../lab/monitoring.ts';
import { labInfo } from './hooks.ts';
import { kubeConfigFrom, until } from './support.ts';
import { UserError } from '../../src/core/errors.ts';
import { changeGrafanaPassword, DEFAULT_PASSWORDS, findWorkingPassword, GRAFANA_USER, resolveGrafana } from '../../src/core/observability/grafana.ts';
import { detectMonitoring, grafanaFetch, resolvePrometheus } from '../../src/core/observability/prometheus.ts';
import { grafanaSource } from '../../src/core/observability/sources.ts';

/** Stand-in for vscode.SecretStorage: what the Change Grafana Password command stores the password in. */
class MemorySecrets {
  private readonly map = new Map<string, string>();
  async get(key: string): Promise<string | undefined> {
    return this.map.get(key);
  }
  async store(key: string, value: string): Promise<void> {
    this.map.set(key, value);
  }
  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }
  keys(): string[] {
    return [...this.map.keys()];
  }
}

const SECRET_KEY = 'sockShop.grafana.password';

describe('Grafana commands against the lab (Grafana HTTP API fake behind the Grafana Service)', function () {
  this.timeout(120_000);
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let monitoring: MonitoringState;
  const logs: string[] = [];
  const log = (m: string) => logs.push(m);
  const tunnels: { close(): Promise<void> }[] = [];

  before(async () => {
    const info = labInfo();
    const m = info.state.components.monitoring as MonitoringState | undefined;
    if (!m?.urls.grafana) throw new Error('the lab monitoring runs without its Grafana API fake (restart the monitoring component)');
    monitoring = m;
    kc = kubeConfigFrom(info.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    // What the monitoring 1-click leaves (idempotent): the Grafana Service, pod and its port-forward target.
    await installMonitoringStack(info.kubeconfig);
    await until('the Grafana pod Running', 60_000, async () => {
      const pods = await core.listNamespacedPod({ namespace: STACK_NAMESPACE, labelSelector: 'app.kubernetes.io/name=grafana' });
      return pods.items.some((p) => p.status?.phase === 'Running');
    }, 500);
  });

  after(async () => {
    for (const t of tunnels) await t.close().catch(() => undefined);
  });

  it('Open Grafana: a port-forward to the Grafana pod reaches Grafana (its Service is ClusterIP)', async () => {
    const status = await detectMonitoring(kc);
    assert.equal(status.grafana?.name, GRAFANA_SERVICE);
    const ep = await resolveGrafana(kc, status, undefined, log);
    if (ep.tunnel) tunnels.push(ep.tunnel);
    assert.match(ep.via, new RegExp(`^port-forward to ${STACK_NAMESPACE}/${GRAFANA_SERVICE}`));
    assert.match(ep.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${ep.url}/api/health`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).database, 'ok');
    // What the browser gets at the URL Open Grafana opens.
    const page = await fetch(`${ep.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.url, /\/login$/);
    assert.match(await page.text(), /fake of Grafana's HTTP API/);
  });

  it('Open Grafana: a LoadBalancer Service is opened at its address; the password still goes through a port-forward', async () => {
    const patch = (type: string) =>
      core.patchNamespacedService(
        { name: GRAFANA_SERVICE, namespace: STACK_NAMESPACE, body: [{ op: 'replace', path: '/spec/type', value: type }] },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
      );
    await patch('LoadBalancer');
    try {
      const ip = await until('the lab load balancer to give Grafana an address', 20_000, async () => {
        const s = await core.readNamespacedService({ name: GRAFANA_SERVICE, namespace: STACK_NAMESPACE });
        return s.status?.loadBalancer?.ingress?.[0]?.ip;
      }, 250);
      assert.match(ip, /^127\.10\./, 'lab load balancers are loopback addresses');
      const status = await detectMonitoring(kc);
      const open = await resolveGrafana(kc, status, undefined, log);
      assert.deepEqual({ url: open.url, via: open.via, tunnel: open.tunnel }, { url: `http://${ip}`, via: `load balancer of ${STACK_NAMESPACE}/${GRAFANA_SERVICE}`, tunnel: undefined });
      const forPassword = await resolveGrafana(kc, status, undefined, log, { forCredentials: true });
      if (forPassword.tunnel) tunnels.push(forPassword.tunnel);
      assert.match(forPassword.via, /^port-forward to /, 'not the plain-http load balancer');
      assert.equal((await fetch(`${forPassword.url}/api/health`)).status, 200);
      // The sockShop.grafana.url setting wins over both.
      const set = await resolveGrafana(kc, status, 'http://127.0.0.1:3999/', log);
      assert.deepEqual({ url: set.url, via: set.via }, { url: 'http://127.0.0.1:3999', via: 'the sockShop.grafana.url setting' });
    } finally {
      await patch('ClusterIP');
    }
  });

  it('Change Grafana Password: the old password is rejected afterwards, the new one lives only in secret storage', async () => {
    const secrets = new MemorySecrets();
    const status = await detectMonitoring(kc);
    const ep = await resolveGrafana(kc, status, undefined, log, { forCredentials: true });
    if (ep.tunnel) tunnels.push(ep.tunnel);
    // The command's steps (src/ui/metrics/change-grafana-password.ts): the stored password, else the defaults.
    const current = await findWorkingPassword(ep.url, [await secrets.get(SECRET_KEY), ...DEFAULT_PASSWORDS]);
    assert.equal(current, 'prom-operator', "the chart's default login works on a fresh stack");
    const next = `lab-${randomBytes(9).toString('base64url')}`;
    await assert.rejects(changeGrafanaPassword({ url: ep.url, user: GRAFANA_USER, password: 'not-the-password' }, next), (err: UserError) => {
      assert.equal(err.reason, 'GrafanaUnauthorized');
      return true;
    });
    await changeGrafanaPassword({ url: ep.url, user: GRAFANA_USER, password: current! }, next);
    await secrets.store(SECRET_KEY, next);
    try {
      const user = (password: string) => grafanaFetch({ url: ep.url, user: GRAFANA_USER, password }, 'api/user');
      assert.equal((await user(current!)).status, 401, 'the old password is rejected');
      const ok = await user(next);
      assert.equal(ok.status, 200);
      assert.equal((await ok.json()).login, 'admin');
      assert.equal(await findWorkingPassword(ep.url, [undefined, ...DEFAULT_PASSWORDS]), undefined, 'no default works any more');
      assert.equal(await findWorkingPassword(ep.url, [await secrets.get(SECRET_KEY), ...DEFAULT_PASSWORDS]), next);
      // Grafana's own rule on the server side (the extension asks for 8 characters before sending).
      const short = await grafanaFetch({ url: ep.url, user: GRAFANA_USER, password: next }, 'api/user/password', {
        method: 'PUT',
        body: JSON.stringify({ oldPassword: next, newPassword: 'abc', confirmNew: 'abc' }),
      });
      assert.equal(short.status, 400);
      assert.equal((await short.json()).message, 'New password is too short');
      // Only in the secret storage: not in any log line, and Grafana's side keeps a hash.
      assert.deepEqual(secrets.keys(), [SECRET_KEY]);
      for (const line of logs) assert.ok(!line.includes(next), `password in a log line: ${line}`);
      const dir = monitoring.dir;
      for (const f of readdirSync(dir).filter((x) => x.startsWith('grafana-fake'))) {
        assert.ok(!readFileSync(join(dir, f), 'utf8').includes(next), `password in ${f}`);
      }
    } finally {
      // Leave the lab's Grafana with the chart's default login for other tests.
      await changeGrafanaPassword({ url: ep.url, user: GRAFANA_USER, password: next }, 'prom-operator');
    }
    assert.equal(await findWorkingPassword(ep.url, DEFAULT_PASSWORDS), 'prom-operator');
  });

  it("the metrics panel's Grafana datasource-proxy path reaches the lab's Prometheus; dashboards come from Grafana's API", async () => {
    const status = await detectMonitoring(kc);
    const ep = await resolveGrafana(kc, status, undefined, log, { forCredentials: true });
    if (ep.tunnel) tunnels.push(ep.tunnel);
    const grafana = { url: ep.url, user: GRAFANA_USER, password: 'prom-operator' };
    const { access, attempts } = await resolvePrometheus({ kc, monitoring: status, grafana, order: ['grafana'], log });
    try {
      assert.deepEqual(attempts.map((a) => [a.path, a.ok]), [['grafana', true]]);
      assert.match(access.description, /^Grafana datasource proxy http:\/\/127\.0\.0\.1:\d+ \(datasource prometheus\)$/);
      const r = await access.client.query('up{job="kube-state-metrics"}');
      assert.equal(r.resultType, 'vector');
      assert.ok(r.resultType === 'vector' && r.result.length >= 1 && r.result[0].value[1] === '1', JSON.stringify(r));
      // The same numbers as the lab's Prometheus itself answers.
      const direct = (await (await fetch(`${monitoring.urls.prometheus}/api/v1/query?query=${encodeURIComponent('count(up)')}`)).json()).data.result[0].value[1];
      const viaGrafana = await access.client.query('count(up)');
      assert.ok(viaGrafana.resultType === 'vector');
      assert.equal(viaGrafana.result[0].value[1], direct);
    } finally {
      await access.dispose();
    }
    // Wrong credentials: the path fails with Grafana's 401, and the attempt says so.
    await assert.rejects(resolvePrometheus({ kc, monitoring: status, grafana: { ...grafana, password: 'wrong' }, order: ['grafana'] }), /grafana: Grafana rejected the login \(HTTP 401\)/);

    const dashboards = grafanaSource(grafana);
    const list = await dashboards.list();
    assert.ok(list.some((d) => d.uid === '85a562078cdf77779eaa1add43ccec1e'), `the Namespace (Pods) dashboard is listed: ${list.map((d) => d.uid).join(', ')}`);
    const one = JSON.parse(await dashboards.load('85a562078cdf77779eaa1add43ccec1e'));
    assert.match(one.dashboard.title, /Compute Resources \/ Namespace \(Pods\)/);
  });
});
