// A Deployment's logs as one stream on the lab: every pod joins, a killed pod leaves with a marker, its
// replacement joins, and lines come prefixed by their pod.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { followDeploymentLogs } from '../../src/core/kube/logs';
import { labInfo } from './hooks.ts';
import { createFrontEnd, waitFrontEndSettled } from './stand-in.ts';

const NS = `logs-it-${randomBytes(3).toString('hex')}`;

describe('deployment logs on the lab', function () {
  this.timeout(90_000);
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  before(async () => {
    kc = new k8s.KubeConfig();
    kc.loadFromFile(labInfo().kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await createFrontEnd(kc, NS, 2);
    await waitFrontEndSettled(kc, NS, 2);
  });

  after(async () => {
    await core?.deleteNamespace({ name: NS }).catch(() => undefined);
  });

  it('follows every pod; a killed pod leaves with a marker and its replacement joins', async () => {
    const lines: string[] = [];
    const logs = await followDeploymentLogs(kc, NS, 'front-end', (l) => lines.push(l), { tailLines: 20 });
    try {
      const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'name=front-end' })).items.map((p) => p.metadata!.name!).sort();
      for (const p of pods) assert.ok(lines.includes(`── ${p} joined`), lines.join('\n'));
      await core.deleteNamespacedPod({ name: pods[0], namespace: NS, gracePeriodSeconds: 0 });
      const deadline = Date.now() + 30_000;
      const joinedNew = () => lines.find((l) => /^── front-end-\S+ joined$/.test(l) && !pods.some((p) => l === `── ${p} joined`));
      while (!(lines.some((l) => l.startsWith(`── ${pods[0]} left`)) && joinedNew()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(lines.some((l) => l.startsWith(`── ${pods[0]} left (`)), lines.join('\n'));
      const replacement = /^── (\S+) joined$/.exec(joinedNew() ?? '')?.[1];
      assert.ok(replacement, `no replacement joined:\n${lines.join('\n')}`);
      // Each pod's stream either gives its lines, prefixed by the pod, or says why it has none.
      const deadline2 = Date.now() + 10_000;
      const heard = (p: string) => lines.some((l) => l.startsWith(`[${p}] `) || l.startsWith(`── ${p}: no logs (`));
      while (!heard(replacement) && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 100));
      assert.ok(heard(replacement), lines.join('\n'));
      assert.ok(logs.pods.has(replacement));
      assert.ok(!logs.pods.has(pods[0]));
    } finally {
      logs.stop();
    }
  });
});
