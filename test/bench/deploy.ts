// Deploy benchmark: Sock Shop Lab's Deploy (server-side apply: the Namespace, then everything else at
// once; one watch for the rollouts) against `kubectl apply -f` on the same lab.
//
//   node --import tsx test/bench/deploy.ts [--runs N] [--kubectl-manifest same|reference] [--no-probes]
//
// --no-probes strips the readiness and liveness probes from both sides' objects (ours from a copy of
// manifests/sock-shop), so "available" measures the apply and rollout path instead of the probes' delays.
//
// kubectl applies the same 29 objects Deploy applies (written to a file, default), so both sides wait for
// the same readiness probes; `--kubectl-manifest reference` applies the workshop's original
// sock-shop-complete-demo.yaml instead (its probes wait 180 s, so "available" then compares manifests,
// not apply paths).
//
// Each run starts from no `sock-shop` namespace (the original manifest names it, so both sides use
// it; it is deleted and waited for between runs, not timed). Two times per run:
//   applied    start → every object accepted by the apiserver (kubectl: the process has exited)
//   available  start → all 14 Deployments available (the same poller, every 250 ms, for both sides)
// Ours is timed in-process (in the editor the extension is already loaded); kubectl as a process
// (how users run it), with a warm discovery cache after its first run.
// The lab comes up if it is not running (SOCK_SHOP_LAB_HOME / SOCK_SHOP_LAB_COMPONENTS honoured), and goes down
// afterwards if this run started it.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { deploySockShop, planSockShop } from '../../src/core/sockshop/deploy';
import { removeSockShop } from '../../src/core/sockshop/remove';
import { waitForRollout } from '../../src/core/kube/rollout';
import { binaryPaths } from '../lab/build.ts';
import type { ClusterState } from '../lab/cluster.ts';
import { REPO_ROOT, referenceFile } from '../lab/paths.ts';
import { arg, median, runBench, withLab, argText } from './common.ts';
import type { LabState } from '../lab/lab.ts';

const NS = 'sock-shop';
const DEPLOYMENTS = [
  'carts', 'carts-db', 'catalogue', 'catalogue-db', 'front-end', 'orders', 'orders-db',
  'payment', 'queue-master', 'rabbitmq', 'session-db', 'shipping', 'user', 'user-db',
];

type Json = { [k: string]: unknown };

/** Drops every container's readiness and liveness probe from a manifest object. */
function withoutProbes(o: Json): Json {
  const spec = (o.spec as Json | undefined)?.template as Json | undefined;
  for (const c of (((spec?.spec as Json | undefined)?.containers as Json[] | undefined) ?? [])) {
    delete c.readinessProbe;
    delete c.livenessProbe;
  }
  return o;
}

/** A copy of manifests/sock-shop without probes (for our side of --no-probes). */
function manifestDirWithoutProbes(dir: string): string {
  const out = join(dir, 'manifests');
  cpSync(join(REPO_ROOT, 'manifests', 'sock-shop'), out, { recursive: true });
  for (const name of readdirSync(out).filter((n) => n.endsWith('.yaml'))) {
    const docs = parseAllDocuments(readFileSync(join(out, name), 'utf8')).map((d) => withoutProbes(d.toJS() as Json));
    writeFileSync(join(out, name), docs.map((d) => stringify(d)).join('---\n'));
  }
  return out;
}

/** The objects Deploy applies (namespace first), as one multi-document file for kubectl. */
function sameManifest(dir: string, manifestDir: string | undefined): string {
  const plan = planSockShop({ namespace: NS, profile: 'default', manifestDir });
  const file = join(dir, 'sock-shop-deploy.yaml');
  writeFileSync(file, plan.groups.flat().map((o) => stringify(o)).join('---\n'));
  return file;
}

function referenceManifest(): string {
  return referenceFile('sock-shop-complete-demo.yaml');
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

async function main(state: LabState): Promise<void> {
  const runs = arg('--runs', 3);
  const cluster = state.components.cluster as ClusterState;
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const kubectl = binaryPaths().kubectl;
  const home = mkdtempSync(join(tmpdir(), 'bench-kubectl-home-'));
  const which = argText('--kubectl-manifest', 'same');
  if (which !== 'same' && which !== 'reference') throw new Error(`--kubectl-manifest is same or reference, not ${which}`);
  const noProbes = process.argv.includes('--no-probes');
  if (noProbes && which !== 'same') throw new Error('--no-probes goes with --kubectl-manifest same');
  const manifestDir = noProbes ? manifestDirWithoutProbes(home) : undefined;
  const manifest = which === 'same' ? sameManifest(home, manifestDir) : referenceManifest();
  const env = { ...process.env, KUBECONFIG: cluster.kubeconfig, HOME: home };
  const fresh = async () => {
    await removeSockShop(kc, NS, { timeoutMs: 180_000 });
  };

  const results: { side: string; applied: number; available: number }[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternate which side goes first, to spread the machine's noise.
    const order = i % 2 === 0 ? ['kubectl', 'ours'] : ['ours', 'kubectl'];
    for (const side of order) {
      await fresh();
      if (side === 'kubectl') {
        const t0 = performance.now();
        const r = await run(kubectl, ['apply', '-f', manifest], env);
        const applied = performance.now() - t0;
        if (r.code !== 0) throw new Error(`kubectl apply failed (${r.code}):\n${r.out}`);
        await waitForRollout(kc, NS, DEPLOYMENTS, { timeoutMs: 300_000 });
        const available = performance.now() - t0;
        results.push({ side, applied, available });
      } else {
        const t0 = performance.now();
        let applied = 0;
        const r = await deploySockShop(kc, {
          namespace: NS,
          profile: 'default',
          manifestDir,
          rolloutTimeoutMs: 300_000,
          onEvent: (e) => {
            if (e.type === 'phase' && e.message.startsWith('Waiting')) applied = performance.now() - t0;
          },
        });
        const available = performance.now() - t0;
        if (r.outcomes.length !== 29) throw new Error(`expected 29 objects, got ${r.outcomes.length}`);
        results.push({ side, applied, available });
      }
      const last = results[results.length - 1];
      process.stderr.write(`run ${i + 1} ${last.side.padEnd(7)} applied ${last.applied.toFixed(0)} ms, available ${last.available.toFixed(0)} ms\n`);
    }
  }
  await fresh();

  const summary = (side: string) => {
    const rs = results.filter((r) => r.side === side);
    return { applied: median(rs.map((r) => r.applied)), available: median(rs.map((r) => r.available)), runs: rs };
  };
  const ours = summary('ours');
  const theirs = summary('kubectl');
  const out = {
    runs,
    kubectlManifest: which,
    probes: !noProbes,
    loadAverage: loadavg().map((l) => l.toFixed(2)).join(' '),
    namespace: NS,
    kubectl: theirs,
    ours,
    ratio: { applied: ours.applied / theirs.applied, available: ours.available / theirs.available },
  };
  console.log(JSON.stringify(out, null, 2));
  console.log(
    [
      '',
      `| median of ${runs} | all applied | all 14 available |`,
      '|---|---|---|',
      `| kubectl apply -f ${which === 'same' ? 'the same 29 objects' : 'sock-shop-complete-demo.yaml'} | ${theirs.applied.toFixed(0)} ms | ${theirs.available.toFixed(0)} ms |`,
      `| Sock Shop: Deploy | ${ours.applied.toFixed(0)} ms | ${ours.available.toFixed(0)} ms |`,
      `| ratio (goal ≤ 0.5) | ${out.ratio.applied.toFixed(2)} | ${out.ratio.available.toFixed(2)} |`,
    ].join('\n'),
  );
}

runBench(() => withLab(main));
