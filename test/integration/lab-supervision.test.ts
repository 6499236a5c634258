// The lab's control plane is supervised (test/lab/supervisor.ts): a kube-controller-manager that dies
// — killed here, or exiting on its own after losing its leader lease while etcd stalled — is started
// again with back-off, `lab status` counts the restart, and Deployments reconcile afterwards.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { clusterHealthy, type ClusterState } from '../lab/cluster.ts';
import { labStatus, readState } from '../lab/lab.ts';
import { readSupervisorStatus } from '../lab/supervisor.ts';
import { labInfo } from './hooks.ts';
import { kubeConfigFrom, until } from './support.ts';

const NS = `sup-${randomBytes(3).toString('hex')}`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('lab: supervised kube-controller-manager and kube-scheduler', function () {
  this.timeout(240_000);
  let cluster: ClusterState;
  let kc: k8s.KubeConfig;
  let apps: k8s.AppsV1Api;
  let core: k8s.CoreV1Api;

  const pidOf = (name: string) => Number(readFileSync(join(cluster.clusterDir, 'pids', `${name}.pid`), 'utf8').trim());
  const restarts = (name: string) => readSupervisorStatus(cluster.supervisorStatus)?.components[name]?.restarts ?? 0;

  /** A one-replica Deployment; resolves once it is available (controller-manager, scheduler and kwok all did their part). */
  const reconciles = async (name: string, timeoutMs: number) => {
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'busybox' }] } },
        },
      },
    });
    const t0 = Date.now();
    await until(`Deployment ${name} available`, timeoutMs, async () => {
      const d = await apps.readNamespacedDeployment({ name, namespace: NS });
      return (d.status?.availableReplicas ?? 0) >= 1;
    }, 500);
    return Date.now() - t0;
  };

  before(async () => {
    const info = labInfo();
    cluster = info.state.components.cluster as ClusterState;
    if (!cluster.supervisorStatus) throw new Error('the lab cluster was created without its supervisor: run `npm run lab -- down` and up again');
    assert.ok(alive(cluster.pids.supervisor), 'the supervisor process runs');
    kc = kubeConfigFrom(info.kubeconfig);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
  });

  after(async () => {
    await core?.deleteNamespace({ name: NS }).catch(() => undefined);
  });

  it('restarts a killed kube-controller-manager, counts it in lab status, and Deployments reconcile', async () => {
    const before = restarts('kube-controller-manager');
    const old = pidOf('kube-controller-manager');
    assert.ok(alive(old), 'kube-controller-manager runs');
    process.kill(old, 'SIGKILL');
    const killedAt = Date.now();
    const fresh = await until('a new kube-controller-manager', 40_000, () => {
      const p = pidOf('kube-controller-manager');
      return p !== old && alive(p) ? p : undefined;
    }, 200);
    process.stderr.write(`    kube-controller-manager back as pid ${fresh} ${((Date.now() - killedAt) / 1000).toFixed(1)} s after SIGKILL\n`);
    await until('the restart counted in the supervisor status', 5_000, () => restarts('kube-controller-manager') === before + 1, 100);
    assert.match(labStatus(), new RegExp(`Supervised: +kube-controller-manager +restarts=${before + 1}, last `));
    assert.match(labStatus(), new RegExp(`kube-controller-manager=${fresh} `), 'lab status shows the live pid');
    // The old process held the leader lease; the new one takes it once it lapses (15 s) and reconciles.
    const ms = await reconciles('after-kill', 90_000);
    process.stderr.write(`    a new Deployment was available ${(ms / 1000).toFixed(1)} s after it was created\n`);
  });

  it('after an etcd stall longer than the leader lease, both come back and Deployments reconcile', async () => {
    const etcd = pidOf('etcd');
    const cm = pidOf('kube-controller-manager');
    const sched = pidOf('kube-scheduler');
    const before = { cm: restarts('kube-controller-manager'), sched: restarts('kube-scheduler') };
    // 25 s: more than the lease (15 s) and the renew deadline (10 s) of both components.
    process.kill(etcd, 'SIGSTOP');
    try {
      await new Promise((r) => setTimeout(r, 25_000));
    } finally {
      process.kill(etcd, 'SIGCONT');
    }
    const exited = await until('kube-controller-manager or kube-scheduler to be restarted after losing the lease', 90_000, () => {
      const cmBack = pidOf('kube-controller-manager') !== cm && restarts('kube-controller-manager') > before.cm;
      const schedBack = pidOf('kube-scheduler') !== sched && restarts('kube-scheduler') > before.sched;
      return cmBack || schedBack ? { cmBack, schedBack } : undefined;
    }, 500);
    process.stderr.write(`    restarted after the stall: ${JSON.stringify(exited)}\n`);
    const ms = await reconciles('after-stall', 120_000);
    process.stderr.write(`    a new Deployment was available ${(ms / 1000).toFixed(1)} s after it was created\n`);
    assert.ok(alive(pidOf('kube-controller-manager')) && alive(pidOf('kube-scheduler')));
    // Leave the shared lab as later test files expect it: every cluster process up, metrics API available.
    await until('the whole cluster healthy again', 60_000, () => clusterHealthy(readState()?.components.cluster as ClusterState), 500);
    await until('the metrics API available again', 60_000, async () => {
      const svc = await kc.makeApiClient(k8s.ApiregistrationV1Api).readAPIService({ name: 'v1beta1.metrics.k8s.io' });
      return svc.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True');
    }, 500);
  });
});
