// From a failed verdict to a fix, on the lab's real Sock Shop: a workspace copy of the front-end manifest with
// one replica fails the workshop's experiment; the advice's quick fixes edit that manifest (more replicas and a
// PodDisruptionBudget, then what the next run shows, e.g. a preStop pause); the edited manifest is applied and
// the same experiment is run again until it passes (at most three rounds).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { adviseFromResult, applyAdvice, deploymentsIn } from '../../src/core/chaos/advice';
import { experimentMarkdown, runExperiment, type ExperimentSpec, type Guards } from '../../src/core/chaos/experiment';
import { Applier } from '../../src/core/kube/apply';
import { deploySockShop, frontEndAddress } from '../../src/core/sockshop/deploy';
import { removeSockShop } from '../../src/core/sockshop/remove';
import { labInfo } from './hooks.ts';
import { waitRolledOut } from './stand-in.ts';
import { kubeConfigFrom, until } from './support.ts';

const NS = `advice-it-${randomBytes(3).toString('hex')}`;
const root = join(__dirname, '..', '..');

describe('chaos advice on the lab: fix the manifest, rerun, pass', function () {
  this.timeout(600_000);
  let kc: k8s.KubeConfig;
  let url = '';

  const settled = (n: number) => waitRolledOut(kc, NS, 'front-end', n);
  const applyText = async (text: string) => {
    const objects = parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
    const outcomes = await new Applier(kc).apply([objects], { defaultNamespace: NS, force: true });
    assert.ok(outcomes.every((o) => o.status !== 'failed'), JSON.stringify(outcomes));
  };
  const guards: Guards = { namespaceAllowlist: [NS], maxPodsPerKill: 3, maxDurationSeconds: 120 };
  const spec = (): ExperimentSpec => ({
    namespace: NS,
    targets: ['front-end'],
    kill: { mode: 'fixed', value: 1 },
    intervalSeconds: 8,
    durationSeconds: 20,
    load: { target: { url, timeoutMs: 5_000 }, model: { kind: 'users', users: 20, spawnRate: 20, waitSeconds: [0.1, 0.3], flow: 'index' }, maxRequests: 100_000, maxDurationSeconds: 20, threads: 1 },
    hypothesis: { maxFailPercent: 0, maxP95Ms: 2_000, recoverySeconds: 60 },
  });

  before(async () => {
    kc = kubeConfigFrom(labInfo().kubeconfig);
    const r = await deploySockShop(kc, { namespace: NS, profile: 'default', rolloutTimeoutMs: 150_000 });
    assert.ok(r.deployments!.every((d) => d.done), JSON.stringify(r.deployments));
    url = (await until('the front-end load balancer address', 30_000, async () => (await frontEndAddress(kc, NS)).url))!;
  });

  after(async () => {
    if (kc) await removeSockShop(kc, NS, { timeoutMs: 60_000 }).catch(() => undefined);
  });

  it('a single-replica front-end fails; its quick fixes, applied, make the same experiment pass', async () => {
    // The workspace's manifest: the shipped front-end, cut to one replica.
    let text = readFileSync(join(root, 'manifests', 'sock-shop', 'front-end.yaml'), 'utf8').replace(/^( {2}replicas:) 4$/m, '$1 1');
    assert.match(text, /^ {2}replicas: 1$/m);
    await applyText(text);
    await settled(1);
    const applied: string[] = [];
    let verdict = '';
    for (let round = 0; round < 3; round++) {
      const r = await runExperiment(kc, spec(), { guards });
      verdict = r.verdict;
      if (r.verdict === 'PASS') break;
      assert.equal(r.verdict, 'FAIL', experimentMarkdown(r));
      const advice = adviseFromResult(r, deploymentsIn(text).map((d) => d.facts));
      if (round === 0) assert.deepEqual(advice.map((a) => a.kind), ['replicas', 'pdb'], experimentMarkdown(r));
      assert.ok(advice.length, `round ${round + 1} failed with no advice left:\n${experimentMarkdown(r)}`);
      for (const a of advice) {
        const next = applyAdvice(text, a);
        if (next === undefined) continue;
        text = next;
        applied.push(a.kind);
      }
      await applyText(text);
      await settled(deploymentsIn(text)[0].facts.replicas);
    }
    assert.equal(verdict, 'PASS', `after the fixes ${applied.join(', ')}:\n${text}`);
    assert.ok(applied.includes('replicas') && applied.includes('pdb'), applied.join(', '));
    // The fixes are in the manifest: 3 replicas, and a PodDisruptionBudget document for the front-end.
    const docs = parseAllDocuments(text).map((d) => d.toJS());
    assert.equal(docs.find((d) => d.kind === 'Deployment').spec.replicas, 3);
    assert.ok(docs.some((d) => d.kind === 'PodDisruptionBudget' && d.metadata.name === 'front-end'));
  });
});
