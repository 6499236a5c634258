// "Run Load in Cluster": the manifests built in code pass a server dry run on the lab's kube-apiserver, a real
// create + remove leaves nothing behind, and both generated locustfiles load in the real Locust.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { buildClusterManifests, buildLocustfile, createClusterLoad, LOCUST_NAME, removeClusterLoad } from '../../src/core/load/cluster';
import { labInfo } from './hooks.ts';

const NS = `locust-${randomBytes(3).toString('hex')}`;

describe('Locust in the cluster (lab)', function () {
  this.timeout(120_000);
  let kc: k8s.KubeConfig;

  before(async () => {
    kc = new k8s.KubeConfig();
    kc.loadFromFile(labInfo().kubeconfig);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
  });

  after(async () => {
    await kc?.makeApiClient(k8s.CoreV1Api).deleteNamespace({ name: NS }).catch(() => undefined);
  });

  const options = { namespace: NS, host: 'http://front-end.sock-shop', workers: 3, users: 500, spawnRate: 10, waitSeconds: [5, 15] as [number, number], flow: 'sockshop' as const, durationSeconds: 60 };

  it('passes a server-side dry run and creates nothing', async () => {
    const m = buildClusterManifests(options);
    await createClusterLoad(kc, m, true);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const list = await apps.listNamespacedDeployment({ namespace: NS });
    assert.equal(list.items.length, 0);
  });

  it('creates master, workers, service and locustfile ConfigMap, and removes them all', async () => {
    const m = buildClusterManifests(options);
    await createClusterLoad(kc, m);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const workers = await apps.readNamespacedDeployment({ name: `${LOCUST_NAME}-worker`, namespace: NS });
    assert.equal(workers.spec?.replicas, 3);
    assert.deepEqual(workers.spec?.template.spec?.containers[0].args?.slice(-4), ['--master-host', `${LOCUST_NAME}-master`, '--master-port', '5557']);
    const master = await apps.readNamespacedDeployment({ name: `${LOCUST_NAME}-master`, namespace: NS });
    assert.ok(master.spec?.template.spec?.containers[0].args?.includes('--master'));
    const svc = await core.readNamespacedService({ name: `${LOCUST_NAME}-master`, namespace: NS });
    assert.deepEqual(svc.spec?.ports?.map((p) => p.port).sort(), [5557, 8089]);
    const cm = await core.readNamespacedConfigMap({ name: LOCUST_NAME, namespace: NS });
    assert.match(cm.data?.['locustfile.py'] ?? '', /class Shopper\(HttpUser\)/);

    await removeClusterLoad(kc, NS);
    const left = await apps.listNamespacedDeployment({ namespace: NS, labelSelector: `app.kubernetes.io/name=${LOCUST_NAME}` });
    const leftCms = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: `app.kubernetes.io/name=${LOCUST_NAME}` });
    const leftSvcs = await core.listNamespacedService({ namespace: NS, labelSelector: `app.kubernetes.io/name=${LOCUST_NAME}` });
    assert.equal(left.items.filter((d) => !d.metadata?.deletionTimestamp).length, 0);
    assert.equal(leftCms.items.length, 0);
    assert.equal(leftSvcs.items.length, 0);
    await removeClusterLoad(kc, NS); // removing twice is fine
  });

  it('generates locustfiles that the real Locust loads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'locustfile-'));
    try {
      for (const flow of ['index', 'sockshop'] as const) {
        const file = join(dir, `${flow}.py`);
        writeFileSync(file, buildLocustfile({ flow, waitSeconds: [5, 15] }));
        const out = execFileSync('/usr/bin/locust', ['-f', file, '--list'], { encoding: 'utf8', cwd: dir, timeout: 30_000 });
        assert.match(out, flow === 'index' ? /WebsiteUser/ : /Shopper/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
