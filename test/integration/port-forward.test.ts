// Port-forward through the lab's apiserver to Sock Shop pods (kwok's PortForward, published by the lab's
// process runtime for each pod it runs, reaches the pod's own sockets): a forward to a Service keeps working
// across a pod kill; a forward pinned to a pod ends with it and says why.
import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { forwardTarget, openTunnel } from '../../src/core/kube/portforward';
import { frontEndNamespace, waitRolledOut } from './stand-in.ts';

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: 3000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

describe('port-forward on the lab', function () {
  this.timeout(120_000);

  const w = frontEndNamespace('pf-it', 1, async (w) => {
    await w.core.createNamespacedService({ namespace: w.namespace, body: { metadata: { name: 'front-end' }, spec: { selector: { name: 'front-end' }, ports: [{ name: 'http', port: 80, targetPort: 8079 }] } } });
  });

  const until = async (what: string, f: () => Promise<boolean>, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!(await f())) {
      if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  it('a forward to the front-end Service answers, and answers again after its pod is killed', async () => {
    const target = await forwardTarget(w.kc, { kind: 'Service', namespace: w.namespace, name: 'front-end' });
    assert.equal(target.describe, 'svc/front-end:80');
    assert.equal(target.endpoint.targetPort, 8079);
    const tunnel = await openTunnel(w.kc, target.endpoint);
    try {
      await until('the forward answers', async () => (await get(`${tunnel.url}/`)) === 200);
      const first = tunnel.pod();
      await w.core.deleteNamespacedPod({ name: first!, namespace: w.namespace, gracePeriodSeconds: 0 });
      await waitRolledOut(w.kc, w.namespace, 'front-end', 1, 60_000);
      // The next connections find the replacement.
      await until('the forward answers through the replacement', async () => (await get(`${tunnel.url}/`)) === 200 && tunnel.pod() !== first, 60_000);
    } finally {
      await tunnel.close();
    }
  });

  it('a forward pinned to a pod ends with the pod, saying so', async () => {
    const pod = (await w.core.listNamespacedPod({ namespace: w.namespace, labelSelector: 'name=front-end' })).items.find((p) => !p.metadata?.deletionTimestamp)!.metadata!.name!;
    const target = await forwardTarget(w.kc, { kind: 'Pod', namespace: w.namespace, name: pod });
    assert.equal(target.describe, `pod/${pod}:8079`);
    const messages: string[] = [];
    const tunnel = await openTunnel(w.kc, target.endpoint, 0, (m) => messages.push(m));
    try {
      await until('the pod forward answers', async () => (await get(`${tunnel.url}/`)) === 200);
      await w.core.deleteNamespacedPod({ name: pod, namespace: w.namespace, gracePeriodSeconds: 0 });
      await until('the pod is gone', async () => !(await w.core.listNamespacedPod({ namespace: w.namespace })).items.some((p) => p.metadata?.name === pod));
      await until('the forward says the pod is gone', async () => {
        await get(`${tunnel.url}/`);
        return messages.some((m) => m.includes(`Pod ${w.namespace}/${pod} is gone`));
      });
    } finally {
      await tunnel.close();
    }
  });
});
