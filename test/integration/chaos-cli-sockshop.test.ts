// The headless chaos runner against the real Sock Shop of the lab's data plane (no stand-in): the
// checked-in example experiment, pointed at this test's namespace and shortened, exits 0 with the
// chaos-ready profile (4 front-ends, readiness probe, preStop) and 1 once the front-end runs one replica.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseDocument } from 'yaml';
import { deploySockShop, frontEndAddress } from '../../src/core/sockshop/deploy';
import { removeSockShop } from '../../src/core/sockshop/remove';
import { labInfo } from './hooks.ts';
import { runChaosCli, waitRolledOut } from './stand-in.ts';
import { kubeConfigFrom, until } from './support.ts';

const NS = `chaos-cli-ss-${randomBytes(3).toString('hex')}`;
const root = join(__dirname, '..', '..');

const chaos = (args: string[]) => runChaosCli(args);

describe('chaos CLI against the lab\'s real Sock Shop', function () {
  this.timeout(240_000);
  let kc: k8s.KubeConfig;
  let file: string;
  let dir: string;

  before(async () => {
    kc = kubeConfigFrom(labInfo().kubeconfig);
    const r = await deploySockShop(kc, { namespace: NS, profile: 'chaos-ready', rolloutTimeoutMs: 150_000 });
    assert.ok(r.deployments!.every((d) => d.done), JSON.stringify(r.deployments));
    await until('the front-end load balancer address', 30_000, async () => (await frontEndAddress(kc, NS)).url);
    await waitRolledOut(kc, NS, 'front-end', 4);
    // The checked-in example, with this namespace and a shorter schedule.
    const doc = parseDocument(readFileSync(join(root, 'manifests', 'chaos', 'front-end-pod-kill.chaos.yaml'), 'utf8'));
    doc.setIn(['spec', 'namespace'], NS);
    doc.setIn(['spec', 'intervalSeconds'], 5);
    doc.setIn(['spec', 'durationSeconds'], 16);
    doc.setIn(['spec', 'load', 'model', 'users', 'users'], 20);
    doc.setIn(['spec', 'load', 'model', 'users', 'waitSeconds'], doc.createNode([0.1, 0.3]));
    dir = mkdtempSync(join(tmpdir(), 'chaos-cli-ss-'));
    file = join(dir, 'front-end-pod-kill.chaos.yaml');
    writeFileSync(file, doc.toString());
  });

  after(async () => {
    if (kc) await removeSockShop(kc, NS, { timeoutMs: 60_000 }).catch(() => undefined);
  });

  const run = () => chaos(['run', file, '--kubeconfig', labInfo().kubeconfig, '--allow-namespace', NS, '--yes', '--no-reports', '--json', join(dir, 'last.json')]);

  it('exit 0 with the chaos-ready profile: no request failed while front-end pods were killed', async () => {
    const r = await run();
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const result = JSON.parse(readFileSync(join(dir, 'last.json'), 'utf8'));
    assert.equal(result.verdict, 'PASS');
    assert.equal(result.load.failures, 0);
    assert.ok(result.load.requests > 100, `load ran: ${result.load.requests}`);
    assert.equal(result.kills.filter((k: { pods: string[] }) => k.pods.length).length, 3);
  });

  it('exit 1 with the front-end at one replica', async () => {
    await kc.makeApiClient(k8s.AppsV1Api).patchNamespacedDeploymentScale({ name: 'front-end', namespace: NS, body: { spec: { replicas: 1 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await waitRolledOut(kc, NS, 'front-end', 1, 90_000);
    const r = await run();
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /FAIL failures: failure rate/);
  });
});
