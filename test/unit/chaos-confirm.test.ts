import assert from 'node:assert/strict';
import {
  describeLoad,
  experimentConfirmation,
  experimentDefaultKill,
  installConfirmation,
  killEffect,
  killModesDefaultFirst,
  labelsConfirmation,
  WORKSHOP_LABELS,
} from '../../src/core/chaos/confirm';
import { KILL_MODES } from '../../src/core/chaos/kubemonkey';
import { assertChaosNamespace } from '../../src/core/kube/guard';
import { UserError } from '../../src/core/errors';

describe('chaos confirmations and defaults', () => {
  it("Apply Labels defaults to the workshop's labels, and the picker lists the default first", () => {
    assert.deepEqual(WORKSHOP_LABELS, { mtbf: 1, killMode: 'fixed', killValue: 2 });
    const order = killModesDefaultFirst('fixed');
    assert.equal(order[0], 'fixed');
    assert.deepEqual([...order].sort(), [...KILL_MODES].sort());
  });

  it("an experiment defaults to its targets' own labels when they agree, else one pod per kill", () => {
    const fixed2 = { killMode: 'fixed' as const, killValue: 2 };
    assert.deepEqual(experimentDefaultKill([{ labels: fixed2 }, { labels: fixed2 }]), { mode: 'fixed', value: 2 });
    assert.deepEqual(experimentDefaultKill([{ labels: { killMode: 'kill-all' } }]), { mode: 'kill-all' });
    assert.deepEqual(experimentDefaultKill([{ labels: fixed2 }, { labels: { killMode: 'fixed', killValue: 3 } }]), { mode: 'fixed', value: 1 });
    assert.deepEqual(experimentDefaultKill([{ labels: fixed2 }, {}]), { mode: 'fixed', value: 1 });
    assert.deepEqual(experimentDefaultKill([]), { mode: 'fixed', value: 1 });
    assert.deepEqual(experimentDefaultKill([{ labels: { killMode: 'fixed', killValue: Number.NaN } }]), { mode: 'fixed', value: 1 });
  });

  it('states what one kill really takes, with the cap applied and said', () => {
    assert.equal(killEffect({ mode: 'kill-all' }, 4, 3), '3 of its 4 pods, capped at 3 by sockShop.chaos.maxPodsPerKill');
    assert.equal(killEffect({ mode: 'kill-all' }, 2, 3), 'all 2 pods');
    assert.equal(killEffect({ mode: 'fixed', value: 2 }, 4, 3), '2 of its 4 pods');
    assert.equal(killEffect({ mode: 'fixed', value: 5 }, 4), '4 of its 4 pods');
    assert.equal(killEffect({ mode: 'fixed', value: 5 }, 8, 3), '3 of its 8 pods, capped at 3 by sockShop.chaos.maxPodsPerKill');
    assert.equal(killEffect({ mode: 'fixed-percent', value: 50 }, 3), '1 of its 3 pods (50 %, rounded down)');
    assert.match(killEffect({ mode: 'random-max-percent', value: 100 }, 4, 2), /^a random number from 0 to 2 of its 4 pods \(up to 100 %, capped at 2/);
    assert.equal(killEffect({ mode: 'kill-all' }, undefined, 3), 'every pod (at most 3: sockShop.chaos.maxPodsPerKill)');
    assert.equal(killEffect({ mode: 'fixed', value: 1 }, 1), '1 of its 1 pod');
  });

  it('the experiment confirmation never says "every pod" and "at most N" of the same kill', () => {
    const c = experimentConfirmation({
      context: 'do-sgp1-sock-shop',
      namespace: 'sock-shop',
      targets: [{ name: 'front-end', replicas: 4 }],
      kill: { mode: 'kill-all' },
      intervalSeconds: 30,
      durationSeconds: 120,
      maxPodsPerKill: 3,
      kills: 3,
      load: describeLoad({ target: { url: 'http://127.10.0.1/', timeoutMs: 10_000, cookies: [] }, model: { kind: 'users', users: 50, spawnRate: 10, waitSeconds: [1, 3], flow: 'index' }, maxRequests: 1_000_000, maxDurationSeconds: 120 }),
    });
    assert.equal(c.message, 'Kill pods of "front-end" in namespace "sock-shop" of context "do-sgp1-sock-shop"?');
    assert.match(c.detail, /Every 30 s for 120 s \(3 kills\), each kill deletes:/);
    assert.match(c.detail, /front-end: 3 of its 4 pods, capped at 3 by sockShop\.chaos\.maxPodsPerKill\./);
    assert.match(c.detail, /Load meanwhile: 50 Locust-style users \(index flow\) against http:\/\/127\.10\.0\.1\//);
    assert.doesNotMatch(c.detail, /every pod/);
    assert.equal(c.button, 'Start');
  });

  it('a node drain and a scale-down say what they do instead of a kill count', () => {
    const base = { context: 'kwok-sock-shop-lab', namespace: 'sock-shop', targets: [{ name: 'front-end', replicas: 4 }], kill: { mode: 'fixed' as const, value: 1 }, intervalSeconds: 20, durationSeconds: 60, maxPodsPerKill: 3, kills: 2 };
    assert.match(experimentConfirmation({ ...base, fault: { kind: 'nodeDrain' } }).detail, /^Every 20 s for 60 s \(2 drains\), the node running most of their pods is cordoned and the targets' pods on it are evicted through the Eviction API \(PodDisruptionBudgets may refuse; at most 3 per drain\)\. Cordoned nodes are uncordoned at the end\./);
    assert.match(experimentConfirmation({ ...base, fault: { kind: 'scaleDown', to: 1, holdSeconds: 10 } }).detail, /^Every 20 s for 60 s \(2 scale-downs\), each target is scaled to 1 replica for 10 s, then back:\n {2}• front-end: 4 → 1\./);
    const ck = experimentConfirmation({ ...base, fault: { kind: 'containerKill', container: 'front-end', signal: 'KILL' } });
    assert.equal(ck.message, 'Kill containers in pods of "front-end" in namespace "sock-shop" of context "kwok-sock-shop-lab"?');
    assert.match(ck.detail, /^Every 20 s for 60 s \(2 kills\), each kill runs kill -9 1 in container front-end of \(the pods stay; their kubelets restart the containers\):\n {2}• front-end: 1 of its 4 pods\./);
  });

  it('the labels confirmation names the context and says every pod restarts now', () => {
    const c = labelsConfirmation({
      context: 'kwok-sock-shop-lab',
      namespace: 'sock-shop',
      targets: [
        { name: 'front-end', replicas: 4 },
        { name: 'carts', replicas: 1 },
      ],
      mtbf: 1,
      kill: { mode: 'fixed', value: 2 },
    });
    assert.equal(c.message, 'Put kube-monkey labels on 2 Deployments ("front-end", "carts") in namespace "sock-shop" of context "kwok-sock-shop-lab"?');
    assert.match(c.detail, /every pod of front-end, carts is replaced now by a rolling update \(5 pods in all\)/);
    assert.match(c.detail, /front-end: 2 of its 4 pods per kill/);
    assert.match(c.detail, /carts: 1 of its 1 pod per kill/);
    assert.match(c.detail, /on every weekday \(mtbf 1\)/);
    assert.match(c.detail, /Until then nothing is killed/);
  });

  it('Install kube-monkey with dry_run = false says it will kill, names the context, and lists who is opted in', () => {
    const kill = installConfirmation({ context: 'do-sgp1-x', target: 'sock-shop', dryRun: false, debug: true, timeZone: 'Asia/Singapore', optedIn: ['front-end'] });
    assert.equal(kill.message, 'Install kube-monkey with dry_run = false: it will kill pods in namespace "sock-shop" of context "do-sgp1-x". Continue?');
    assert.match(kill.detail, /dry_run = false: it deletes pods of Deployments of "sock-shop" that carry kube-monkey labels — now "front-end"/);
    assert.match(kill.detail, /debug schedule/);
    assert.equal(kill.button, 'Install and kill pods');
    const dry = installConfirmation({ context: 'do-sgp1-x', target: 'sock-shop', dryRun: true, debug: false, timeZone: 'Asia/Singapore', optedIn: [] });
    assert.match(dry.message, /dry run: it only logs.*context "do-sgp1-x"/);
    assert.match(dry.detail, /nothing is deleted/);
    assert.match(dry.detail, /none yet \(use Apply kube-monkey Labels\)/);
    assert.match(dry.detail, /weekdays in Asia\/Singapore/);
  });

  it('Apply Labels and Install kube-monkey refuse kube-system and namespaces outside the allowlist', () => {
    for (const action of ['Apply kube-monkey Labels', 'Install kube-monkey']) {
      assert.throws(() => assertChaosNamespace('kube-system', action, ['kube-system', 'sock-shop']), (e: unknown) => e instanceof UserError && e.reason === 'ChaosRefused' && /never touches kube-system/.test(e.message));
      assert.throws(() => assertChaosNamespace('default', action, ['sock-shop']), (e: unknown) => e instanceof UserError && /"default" is not in sockShop\.chaos\.namespaceAllowlist \(sock-shop\)/.test(e.message));
      assert.doesNotThrow(() => assertChaosNamespace('sock-shop', action, ['sock-shop']));
    }
  });
});
