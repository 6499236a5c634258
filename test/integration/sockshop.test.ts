// Sock Shop Deploy / Verify / Remove and Deploy Current Manifest against the lab's real apiserver,
// controllers and scheduler (kwok plays the nodes). Nothing Kubernetes-side is mocked.
//
// One stand-in: Verify's front-end check is pointed at a local HTTP server on loopback, so the test
// controls its answer (200, then 503); Verify against the real front-end behind the lab's load balancer is
// in lab-dataplane.test.ts.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { CancelledError, UserError } from '../../src/core/errors';
import { applyManifestConfirmation } from '../../src/core/kube/guard';
import { ApplyFailedError, deployManifestText, deploySockShop, frontEndAddress, summarize, type DeployEvent } from '../../src/core/sockshop/deploy';
import { waitForRollout, RolloutTimeoutError } from '../../src/core/kube/rollout';
import { verifySockShop, formatChecklist } from '../../src/core/sockshop/verify';
import { removeSockShop } from '../../src/core/sockshop/remove';
import { YamlSyntaxError } from '../../src/core/yaml/parse';
import { expandSnippet, parseSnippetFile } from '../../src/core/sockshop/snippets';
import { freePort } from '../lab/proc.ts';
import { labInfo } from './hooks.ts';

const NS = `sockshop-it-${randomBytes(3).toString('hex')}`;
const DEPLOYMENTS = [
  'carts', 'carts-db', 'catalogue', 'catalogue-db', 'front-end', 'orders', 'orders-db',
  'payment', 'queue-master', 'rabbitmq', 'session-db', 'shipping', 'user', 'user-db',
];

function kubeConfig(file: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

async function namespaceExists(kc: k8s.KubeConfig, name: string): Promise<boolean> {
  try {
    await kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name });
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return false;
    throw err;
  }
}

/** A local HTTP server standing in for the front-end pod (lab pods run no containers). */
async function standIn(status: number): Promise<{ url: string; server: Server; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    res.writeHead(status, { 'content-type': 'text/html' });
    res.end('<html><title>WeaveSocks</title></html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address() as { port: number };
  return { url: `http://127.0.0.1:${addr.port}/`, server, hits: () => hits };
}

describe('Sock Shop on the lab', function () {
  let kc: k8s.KubeConfig;
  before(() => {
    kc = kubeConfig(labInfo().kubeconfig);
  });
  after(async () => {
    if (kc && (await namespaceExists(kc, NS))) await removeSockShop(kc, NS, { timeoutMs: 60_000 }).catch(() => undefined);
  });

  it('Deploy: applies 29 objects (the namespace, then all the rest at once) and all 14 deployments become available', async () => {
    const events: DeployEvent[] = [];
    const r = await deploySockShop(kc, { namespace: NS, profile: 'default', rolloutTimeoutMs: 90_000, onEvent: (e) => events.push(e) });
    assert.equal(r.outcomes.length, 29, 'namespace + 14 deployments + 14 services');
    assert.equal(r.objectCount, 29, 'the count the progress shows is the count applied');
    assert.ok(r.outcomes.every((o) => o.status === 'created'), JSON.stringify(r.outcomes.filter((o) => o.status !== 'created')));
    assert.deepEqual(r.deployments!.map((d) => d.name).sort(), DEPLOYMENTS);
    assert.equal(r.deployments!.length, 14);
    assert.ok(r.deployments!.every((d) => d.done && d.available === d.desired));
    assert.equal(r.deployments!.find((d) => d.name === 'front-end')!.available, 4);
    // The namespace first; its progress lines count 1/29 … 29/29.
    const applied = events.filter((e): e is Extract<DeployEvent, { type: 'applied' }> => e.type === 'applied');
    assert.equal(applied[0].outcome.kind, 'Namespace');
    assert.deepEqual(applied.map((e) => e.applied), Array.from({ length: 29 }, (_, i) => i + 1));
    assert.ok(applied.every((e) => e.total === 29 && e.message.startsWith(`applied ${e.applied}/29: `)));
    assert.match(r.headline, new RegExp(`^Sock Shop is deployed to ${NS}: all 14 deployments are available\\.$`));
    assert.ok(events.some((e) => e.type === 'rollout' && e.deployments.some((d) => !d.done)) || r.availableMs! < 1000, 'rollout progress was reported');
    // What the cluster now has: pinned mongo, our field manager.
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const cartsDb = await apps.readNamespacedDeployment({ name: 'carts-db', namespace: NS });
    assert.equal(cartsDb.spec!.template.spec!.containers[0].image, 'mongo:4.4');
    assert.ok(cartsDb.metadata!.managedFields!.some((f) => f.manager === 'sock-shop-lab' && f.operation === 'Apply'));
    const summary = await summarize(kc, NS);
    assert.match(summary, /^deployment\.apps\/front-end\s+4\/4\s+4\s+4\s/m);
    assert.match(summary, /^service\/front-end\s+LoadBalancer\s/m);
    assert.equal((summary.match(/^pod\//gm) ?? []).length, 17);
  });

  it('Deploy again: reports no changes', async () => {
    const r = await deploySockShop(kc, { namespace: NS, profile: 'default', rolloutTimeoutMs: 60_000 });
    assert.equal(r.changed, false);
    assert.deepEqual([...new Set(r.outcomes.map((o) => o.status))], ['unchanged']);
  });

  it('Deploy with the chaos-ready profile: configures replicas, adds PDBs, everything else unchanged', async () => {
    const r = await deploySockShop(kc, { namespace: NS, profile: 'chaos-ready', rolloutTimeoutMs: 90_000 });
    const created = r.outcomes.filter((o) => o.status === 'created');
    assert.equal(created.length, 8);
    assert.ok(created.every((o) => o.kind === 'PodDisruptionBudget'));
    const configured = r.outcomes.filter((o) => o.status === 'configured').map((o) => o.name).sort();
    // front-end: its replicas stay 4, but it gets a preStop hook.
    assert.deepEqual(configured, ['carts', 'catalogue', 'front-end', 'orders', 'payment', 'queue-master', 'shipping', 'user']);
    assert.ok(r.deployments!.every((d) => d.done));
    // and back to default: PDBs stay (apply never deletes) but replicas return to 1
    const back = await deploySockShop(kc, { namespace: NS, profile: 'default', rolloutTimeoutMs: 90_000 });
    assert.equal(back.outcomes.filter((o) => o.status === 'configured').length, 8);
  });

  it('front-end URL comes from the load balancer the lab assigns', async function () {
    const addr = await (async () => {
      for (let i = 0; i < 40; i++) {
        const a = await frontEndAddress(kc, NS);
        if (a.url) return a;
        await new Promise((r) => setTimeout(r, 250));
      }
      return frontEndAddress(kc, NS);
    })();
    assert.equal(addr.serviceType, 'LoadBalancer');
    assert.match(addr.url ?? '', /^http:\/\/[0-9a-z.:[\]-]+\/$/, addr.note);
  });

  it('Verify: every deployment available, every service has ready endpoints, the front-end (a local stand-in) answers 200', async () => {
    const fe = await standIn(200);
    try {
      const result = await verifySockShop(kc, { namespace: NS, expectedDeployments: DEPLOYMENTS, frontEndUrl: fe.url });
      assert.ok(result.passed, formatChecklist(result));
      assert.equal(result.items.filter((i) => i.title.startsWith('deployment ')).length, 14);
      assert.equal(result.items.filter((i) => i.title.startsWith('service ')).length, 14);
      assert.match(result.items.find((i) => i.title === 'service front-end')!.detail, /^4 ready endpoints$/);
      assert.equal(fe.hits(), 1);
    } finally {
      fe.server.close();
    }
  });

  it('Verify: says which check failed and why', async () => {
    const fe = await standIn(503);
    try {
      await kc.makeApiClient(k8s.AppsV1Api).patchNamespacedDeployment(
        { name: 'payment', namespace: NS, body: { spec: { template: { spec: { nodeSelector: { 'kubernetes.io/os': 'plan9' } } } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
      );
      const result = await verifySockShop(kc, { namespace: NS, expectedDeployments: [...DEPLOYMENTS, 'zipkin'], frontEndUrl: fe.url });
      assert.equal(result.passed, false);
      const item = (t: string) => result.items.find((i) => i.title === t)!;
      assert.equal(item('front-end answers 200 on /').passed, false);
      assert.match(item('front-end answers 200 on /').detail, /HTTP 503/);
      assert.equal(item('deployment zipkin').detail, 'not found');
      assert.equal(item('deployment carts').passed, true);
      const closed = await freePort();
      const down = await verifySockShop(kc, { namespace: NS, expectedDeployments: ['carts'], frontEndUrl: `http://127.0.0.1:${closed}/` });
      assert.match(down.items.at(-1)!.detail, /connection was refused \(ECONNREFUSED\)/);
    } finally {
      fe.server.close();
    }
  });

  it('rollout timeout names the deployment that is not available, with its pods\' events', async () => {
    // payment was given an unsatisfiable nodeSelector above: its new pod cannot be scheduled.
    await assert.rejects(
      waitForRollout(kc, NS, ['carts', 'payment'], { timeoutMs: 3_000 }),
      (err: unknown) => {
        assert.ok(err instanceof RolloutTimeoutError, String(err));
        assert.deepEqual(err.notAvailable.map((n) => n.name), ['payment']);
        assert.match(err.message, /Not available after 3 s: payment \(\d\/1\)\. pod payment-[a-z0-9-]+: (FailedScheduling: .*node\(s\) didn't match Pod's node affinity\/selector|Pending, not scheduled)/);
        return true;
      },
    );
    // Cancellation stops the wait at once.
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const t0 = Date.now();
    await assert.rejects(waitForRollout(kc, NS, ['payment'], { timeoutMs: 30_000, signal: ac.signal }), /Cancelled/);
    assert.ok(Date.now() - t0 < 2_000);
  });

  it('Deploy Current Manifest: a YAML error gives its line and applies nothing', async () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml-error-first\n  namespace: ${NS}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml-error-second\n namespace: ${NS}\n`;
    await assert.rejects(deployManifestText(kc, text, { source: 'broken.yaml' }), (err: unknown) => {
      assert.ok(err instanceof YamlSyntaxError);
      assert.equal(err.problems[0].line, 11);
      assert.match(err.message, /^broken\.yaml has a YAML error at line 11: .*Nothing was applied\.$/);
      return true;
    });
    await assert.rejects(kc.makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ name: 'yaml-error-first', namespace: NS }), (e: any) => e.code === 404);
  });

  it('Deploy Current Manifest: an invalid field is rejected with kind/name and the server\'s message, the rest applied', async () => {
    const text = [
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good-config\n  namespace: ${NS}\ndata:\n  a: "1"`,
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: bad-replicas\n  namespace: ${NS}\nspec:\n  replicas: two\n  selector:\n    matchLabels: {app: x}\n  template:\n    metadata:\n      labels: {app: x}\n    spec:\n      containers:\n        - name: x\n          image: busybox`,
      `apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: old-api\n  namespace: ${NS}`,
    ].join('\n---\n');
    const r = await deployManifestText(kc, text);
    const by = (name: string) => r.outcomes.find((o) => o.name === name)!;
    assert.equal(by('good-config').status, 'created');
    const bad = by('bad-replicas');
    assert.equal(bad.status, 'failed');
    assert.equal(bad.kind, 'Deployment');
    // Server-side apply answers a type error with HTTP 500 (the apiserver's own choice, kubectl shows
    // the same); what matters is that the message names the field.
    assert.ok([400, 422, 500].includes(bad.httpStatus!), String(bad.httpStatus));
    assert.match(bad.message!, /spec\.replicas: expected numeric/);
    assert.equal(bad.line, 9);
    assert.match(by('old-api').message!, /does not serve Deployment in extensions\/v1beta1: use apps\/v1/);
    // The same as one error for the UI, naming the object and counting what was applied.
    const err = new ApplyFailedError(r.outcomes.filter((o) => o.status === 'failed'), r.outcomes);
    assert.match(err.message, new RegExp(`^Deployment ${NS}/bad-replicas was rejected: .*replicas.*\\(and 1 more rejected\\)\\. 1 of 3 objects applied\\.$`));
    // A field the API does not know is reported too (client-node's typed serialiser would drop it silently).
    const typo = await deployManifestText(kc, `apiVersion: v1\nkind: Service\nmetadata:\n  name: typo\n  namespace: ${NS}\nspec:\n  portz:\n    - port: 80\n  ports:\n    - port: 80\n`);
    assert.equal(typo.outcomes[0].status, 'failed', JSON.stringify(typo.outcomes[0]));
    assert.match(typo.outcomes[0].message!, /portz/);
  });

  it('Deploy Current Manifest: the confirmation sees cluster-scoped objects and other namespaces first; no means nothing applied', async () => {
    const other = `${NS}-other`;
    const text = [
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${other}`,
      `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: confirm-test-reader\nrules: []`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: confirm-here`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: confirm-there\n  namespace: ${other}`,
    ].join('\n---\n');
    let seen: { kind: string; name: string; namespace?: string }[] = [];
    await assert.rejects(
      deployManifestText(kc, text, {
        defaultNamespace: NS,
        confirm: async (items) => {
          seen = items;
          throw new CancelledError();
        },
      }),
      (e: unknown) => e instanceof CancelledError,
    );
    // Discovery decided the scopes: Namespace and ClusterRole have none, the ConfigMap without one got the default.
    assert.deepEqual(
      seen.map((i) => `${i.kind}/${i.name}@${i.namespace ?? '-'}`).sort(),
      [`ClusterRole/confirm-test-reader@-`, `ConfigMap/confirm-here@${NS}`, `ConfigMap/confirm-there@${other}`, `Namespace/${other}@-`].sort(),
    );
    const summary = applyManifestConfirmation({ context: kc.getCurrentContext(), defaultNamespace: NS, source: 'x.yaml', items: seen });
    assert.match(summary.detail, /Cluster-scoped \(outside any namespace\): /);
    assert.ok(summary.detail.includes(`Namespace ${other}`) && summary.detail.includes('ClusterRole confirm-test-reader'), summary.detail);
    assert.match(summary.detail, new RegExp(`Namespaces other than "${NS}": ${other}`));
    await assert.rejects(kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: other }), (e: any) => e.code === 404, 'declined: nothing was applied');
  });

  it('Deploy Current Manifest refuses objects in kube-system unless allowed', async () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: should-not-exist\n  namespace: kube-system\n`;
    await assert.rejects(deployManifestText(kc, text, { defaultNamespace: NS }), (e: unknown) => e instanceof UserError && e.reason === 'Refused' && /refuses kube-system/.test(e.message));
    await assert.rejects(kc.makeApiClient(k8s.CoreV1Api).readNamespacedConfigMap({ name: 'should-not-exist', namespace: 'kube-system' }), (e: any) => e.code === 404);
  });

  it('an unreachable cluster gives a specific message', async () => {
    const port = await freePort(); // free, so nothing listens: connections are refused
    const dir = mkdtempSync(join(tmpdir(), 'sockshop-unreachable-'));
    const file = join(dir, 'kubeconfig');
    const good = readFileSync(labInfo().kubeconfig, 'utf8');
    writeFileSync(file, good.replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${port}`));
    const dead = kubeConfig(file);
    const expected = new RegExp(`^Cannot reach the Kubernetes API server at https://127\\.0\\.0\\.1:${port}: the connection was refused \\(ECONNREFUSED\\)`);
    for (const attempt of [
      () => deploySockShop(dead, { namespace: NS, profile: 'default' }),
      () => deployManifestText(dead, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: ${NS}\n`),
      () => verifySockShop(dead, { namespace: NS }),
      () => removeSockShop(dead, NS),
    ]) {
      await assert.rejects(attempt(), (err: unknown) => {
        assert.ok(err instanceof UserError, String(err));
        assert.equal(err.reason, 'Unreachable');
        assert.match(err.message, expected);
        return true;
      });
    }
  });

  it('every manifest snippet is accepted by the apiserver in a server-side dry run', async () => {
    const snippets = parseSnippetFile(readFileSync(join(process.cwd(), 'snippets', 'kubernetes.code-snippets'), 'utf8'));
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const made: string[] = [];
    for (const ns of ['kube-monkey', 'sock-shop']) {
      if (!(await namespaceExists(kc, ns))) {
        await core.createNamespace({ body: { metadata: { name: ns } } });
        made.push(ns);
      }
    }
    try {
      let checked = 0;
      for (const s of snippets) {
        if (s.prefix.includes('kube-monkey-labels')) continue; // a fragment to merge into a Deployment
        const r = await deployManifestText(kc, expandSnippet(s.body), { dryRun: true });
        assert.ok(r.outcomes.length > 0);
        for (const o of r.outcomes) assert.notEqual(o.status, 'failed', `${s.name}: ${o.kind} ${o.name}: ${o.message}`);
        checked++;
      }
      assert.equal(checked, snippets.length - 1);
      // A dry run persists nothing.
      await assert.rejects(kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ name: 'kube-monkey', namespace: 'kube-monkey' }), (e: any) => e.code === 404);
      // The install files too.
      const files = ['00-namespace', '10-rbac', '20-configmap', '30-deployment'].map((f) => readFileSync(join(process.cwd(), 'manifests', 'kube-monkey', `${f}.yaml`), 'utf8'));
      const r = await deployManifestText(kc, files.join('\n---\n'), { dryRun: true });
      assert.deepEqual(r.outcomes.filter((o) => o.status === 'failed'), []);
      assert.equal(r.outcomes.length, 6);
    } finally {
      for (const ns of made) await removeSockShop(kc, ns, { timeoutMs: 60_000 });
    }
  });

  it('Deploy right after Remove waits for the old namespace to go, then creates everything anew', async () => {
    const ns = `${NS}-again`;
    await deploySockShop(kc, { namespace: ns, profile: 'default', waitForRollout: false });
    await kc.makeApiClient(k8s.CoreV1Api).deleteNamespace({ name: ns });
    const phases: string[] = [];
    const r = await deploySockShop(kc, { namespace: ns, profile: 'default', waitForRollout: false, onEvent: (e) => e.type === 'phase' && phases.push(e.message) });
    assert.deepEqual([...new Set(r.outcomes.map((o) => o.status))], ['created']);
    assert.equal(r.outcomes.length, 29);
    await removeSockShop(kc, ns, { timeoutMs: 90_000 });
  });

  it('Remove: refuses kube-system, deletes the namespace and waits until it is gone', async () => {
    await assert.rejects(removeSockShop(kc, 'kube-system'), /Refusing to delete namespace kube-system/);
    const r = await removeSockShop(kc, NS, { timeoutMs: 90_000 });
    assert.equal(r.existed, true);
    assert.equal(await namespaceExists(kc, NS), false);
    const again = await removeSockShop(kc, NS);
    assert.equal(again.existed, false);
  });
});
