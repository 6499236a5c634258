// Events on the lab's real apiserver and controllers: a pod kill is followed by the ReplicaSet controller's
// SuccessfulCreate of the replacement (and the scheduler's Scheduled), seen through the feed's watch.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { EventFeed, listEvents, type EventRow } from '../../src/core/kube/events';
import { labInfo } from './hooks.ts';
import { createFrontEnd, waitRolledOut } from './stand-in.ts';

const NS = `events-it-${randomBytes(3).toString('hex')}`;

describe('events on the lab', function () {
  this.timeout(90_000);
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let feed: EventFeed | undefined;

  before(async () => {
    kc = new k8s.KubeConfig();
    kc.loadFromFile(labInfo().kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await createFrontEnd(kc, NS, 2);
    await waitRolledOut(kc, NS, 'front-end', 2, 60_000);
  });

  after(async () => {
    feed?.stop();
    await core?.deleteNamespace({ name: NS }).catch(() => undefined);
  });

  it('the feed lists the namespace events newest first, then shows the replacement of a killed pod within about a second', async () => {
    const updates: { at: number; rows: EventRow[] }[] = [];
    feed = new EventFeed(kc, NS, (rows) => updates.push({ at: Date.now(), rows }), { debounceMs: 50 });
    await feed.start();
    const first = updates.at(-1)!.rows;
    assert.ok(first.some((r) => r.reason === 'SuccessfulCreate' && r.objectKind === 'ReplicaSet'), JSON.stringify(first.map((r) => r.reason)));
    assert.ok(first.every((r, i) => i === 0 || first[i - 1].time >= r.time), 'newest first');

    const victim = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'name=front-end' })).items[0].metadata!.name!;
    const before = new Set(first.map((r) => `${r.uid}/${r.count}`));
    const killedAt = Date.now();
    await core.deleteNamespacedPod({ name: victim, namespace: NS, gracePeriodSeconds: 0 });
    const deadline = killedAt + 10_000;
    let seen: { at: number; row: EventRow } | undefined;
    while (!seen && Date.now() < deadline) {
      for (const u of updates) {
        const row = u.rows.find((r) => r.reason === 'SuccessfulCreate' && !before.has(`${r.uid}/${r.count}`) && /Created pod: front-end-/.test(r.message));
        if (row && u.at >= killedAt) {
          seen = { at: u.at, row };
          break;
        }
      }
      if (!seen) await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(seen, `no SuccessfulCreate after the kill; reasons seen: ${updates.at(-1)!.rows.map((r) => r.reason).join(', ')}`);
    const delay = seen.at - killedAt;
    process.stderr.write(`      [events] kill → replacement's SuccessfulCreate in the feed after ${delay} ms\n`);
    assert.ok(delay <= 1000, `seen after ${delay} ms`);
    assert.equal(seen.row.object.startsWith('ReplicaSet/front-end-'), true);
    assert.equal(seen.row.warning, false);
  });

  it("lists one object's events for Describe", async () => {
    const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'name=front-end' })).items;
    const name = pods[0].metadata!.name!;
    const rows = await listEvents(kc, NS, { objectName: name });
    assert.ok(rows.every((r) => r.objectName === name), JSON.stringify(rows));
    assert.ok(rows.some((r) => r.reason === 'Scheduled'), `events of ${name}: ${rows.map((r) => r.reason).join(', ')}`);
  });
});
