// The headless chaos runner (`npm run chaos -- run file.chaos.yaml`) as a CI pipeline runs it: a child
// process with no terminal, against the lab's real apiserver and controllers, judged by its exit code and
// its JUnit file (read back by a JUnit reader). The load target is the loopback stand-in of the chaos tests
// (./stand-in.ts): healthy for the PASS run, answering 503 for a second after each pod deletion for the FAIL
// run, the way a single front-end loses requests while its replacement starts.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parse as parseJunit } from 'junit2json';
import { labInfo } from './hooks.ts';
import { createFrontEnd, standIn, waitRolledOut, runChaosCli } from './stand-in.ts';

const NS = `chaos-cli-${randomBytes(3).toString('hex')}`;

function experiment(url: string, extra = ''): string {
  return `apiVersion: sockshop.lab/v1
kind: ChaosExperiment
metadata:
  name: cli-pod-kill
spec:
  namespace: ${NS}
  targets: [front-end]
  kill: {mode: fixed, value: 1}
  intervalSeconds: 4
  durationSeconds: 14
  gracePeriodSeconds: 0
  load:
    url: ${url}
    timeoutMs: 2000
    model:
      open: {rate: 40, maxConnections: 8}
  hypothesis:
    maxFailPercent: 1
    maxP95Ms: 500
    recoverySeconds: 15
${extra}`;
}

const chaos = (args: string[]) => runChaosCli(args);

describe('chaos CLI on the lab', function () {
  this.timeout(120_000);
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let dir: string;

  const waitReady = (n: number) => waitRolledOut(kc, NS, 'front-end', n, 60_000);

  before(async () => {
    kc = new k8s.KubeConfig();
    kc.loadFromFile(labInfo().kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await createFrontEnd(kc, NS, 3);
    await waitReady(3);
    dir = mkdtempSync(join(tmpdir(), 'chaos-cli-'));
  });

  after(async () => {
    await core?.deleteNamespace({ name: NS }).catch(() => undefined);
  });

  const common = () => ['--kubeconfig', labInfo().kubeconfig, '--allow-namespace', NS, '--yes', '--reports', dir];

  it('exit 0 on PASS, with a JUnit file a JUnit reader accepts and a saved report naming the context', async () => {
    const s = await standIn(kc, NS, false);
    try {
      const file = join(dir, 'pass.chaos.yaml');
      writeFileSync(file, experiment(s.url, '  prediction: {failPercent: 0, p95Ms: 20, recoverySeconds: 2}\n'));
      const junit = join(dir, 'pass.xml');
      const r = await chaos(['run', file, ...common(), '--junit', junit]);
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /Kill pods of "front-end" in namespace "chaos-cli-[0-9a-f]+" of context "[^"]+"\?/);
      assert.match(r.stdout, /verdict: PASS/);
      assert.match(r.stdout, /prediction score \d+ \/ 100/);
      assert.equal(s.deletions.length, 3, `three kills, one pod each (deletions seen at ${s.deletions.join(', ')})\n${r.stdout}`);
      const j = (await parseJunit(readFileSync(junit, 'utf8'))) as { tests?: number; failures?: number; testsuite?: { name: string; testcase?: unknown[] }[] };
      assert.equal(j.failures, 0);
      assert.equal(j.testsuite?.[0].name, 'cli-pod-kill');
      assert.equal(j.testsuite?.[0].testcase?.length, 5, 'the steady state before, failures, latency, recovery, the steady state after');
      const saved = readdirSync(join(dir, '.sockshop', 'reports')).filter((n) => n.endsWith('.json'));
      assert.equal(saved.length, 1);
      const report = JSON.parse(readFileSync(join(dir, '.sockshop', 'reports', saved[0]), 'utf8'));
      assert.equal(report.context, kc.getCurrentContext());
      assert.equal(report.source.name, 'cli-pod-kill');
      assert.equal(typeof report.prediction.score.score, 'number');
      await waitReady(3);
    } finally {
      await s.close();
    }
  });

  it('exit 1 on FAIL: requests fail after each kill', async () => {
    const s = await standIn(kc, NS, true);
    try {
      const file = join(dir, 'fail.chaos.yaml');
      writeFileSync(file, experiment(s.url));
      const junit = join(dir, 'fail.xml');
      const r = await chaos(['run', file, ...common(), '--junit', junit, '--no-reports']);
      assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, /verdict: FAIL/);
      assert.match(r.stdout, /FAIL failures: failure rate/);
      const j = (await parseJunit(readFileSync(junit, 'utf8'))) as { failures?: number };
      assert.ok((j.failures ?? 0) >= 1);
      await waitReady(3);
    } finally {
      await s.close();
    }
  });

  it('exit 2 on a bad file (with the schema error), on a namespace outside the allowlist, and without --yes when there is no terminal', async () => {
    const bad = join(dir, 'bad.chaos.yaml');
    writeFileSync(bad, experiment('http://127.0.0.1:9/').replace('mode: fixed', 'mode: sometimes'));
    const r1 = await chaos(['run', bad, ...common()]);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /line 8: spec\.kill\.mode is "sometimes": use one of kill-all, fixed, random-max-percent, fixed-percent\./);
    const ok = join(dir, 'ok.chaos.yaml');
    writeFileSync(ok, experiment('http://127.0.0.1:9/'));
    const r2 = await chaos(['run', ok, '--kubeconfig', labInfo().kubeconfig, '--yes', '--no-reports']);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /Namespace "chaos-cli-[0-9a-f]+" is not in sockShop\.chaos\.namespaceAllowlist \(sock-shop\)[\s\S]*--allow-namespace/);
    const r3 = await chaos(['run', ok, '--kubeconfig', labInfo().kubeconfig, '--allow-namespace', NS, '--no-reports']);
    assert.equal(r3.code, 2);
    assert.match(r3.stderr, /pass --yes to run it/);
  });
});
