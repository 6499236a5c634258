// A Deployment's logs as one stream on the lab: every pod joins, a killed pod leaves with a marker, its
// replacement joins, and lines come prefixed by their pod. The lab's process runtime writes each container's
// output to the log kwok serves (its first line says what it listens on).
import { strict as assert } from 'node:assert';
import { followDeploymentLogs } from '../../src/core/kube/logs';
import { frontEndNamespace } from './stand-in.ts';

describe('deployment logs on the lab', function () {
  this.timeout(90_000);

  const w = frontEndNamespace('logs-it', 2);

  it('follows every pod; a killed pod leaves with a marker and its replacement joins', async () => {
    const lines: string[] = [];
    const logs = await followDeploymentLogs(w.kc, w.namespace, 'front-end', (l) => lines.push(l), { tailLines: 20 });
    try {
      const pods = (await w.core.listNamespacedPod({ namespace: w.namespace, labelSelector: 'name=front-end' })).items.map((p) => p.metadata!.name!).sort();
      for (const p of pods) assert.ok(lines.includes(`── ${p} joined`), lines.join('\n'));
      await w.core.deleteNamespacedPod({ name: pods[0], namespace: w.namespace, gracePeriodSeconds: 0 });
      const deadline = Date.now() + 30_000;
      const joinedNew = () => lines.find((l) => /^── front-end-\S+ joined$/.test(l) && !pods.some((p) => l === `── ${p} joined`));
      while (!(lines.some((l) => l.startsWith(`── ${pods[0]} left`)) && joinedNew()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.ok(lines.some((l) => l.startsWith(`── ${pods[0]} left (`)), lines.join('\n'));
      const replacement = /^── (\S+) joined$/.exec(joinedNew() ?? '')?.[1];
      assert.ok(replacement, `no replacement joined:\n${lines.join('\n')}`);
      // Lines from the two pods of the start and from the replacement, each prefixed by its pod.
      const deadline2 = Date.now() + 15_000;
      const heard = (p: string) => lines.some((l) => l.startsWith(`[${p}] `) && /listening on/.test(l));
      while (![...pods, replacement].every(heard) && Date.now() < deadline2) await new Promise((r) => setTimeout(r, 100));
      for (const p of [...pods, replacement]) assert.ok(heard(p), `no log line of ${p}:\n${lines.join('\n')}`);
      assert.ok(logs.pods.has(replacement));
      assert.ok(!logs.pods.has(pods[0]));
    } finally {
      logs.stop();
    }
  });
});
