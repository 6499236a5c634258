// Activation and first view inside a real VS Code (code-server with the packaged extension, Chromium
// driving the workbench), read from the extension's own log lines:
//   activated in N ms                         activate() of dist/extension.js
//   features loaded in N ms (code cache …)    dist/main.js loaded and its features set up (the view's first render)
//   workloads: first list in N ms             the Workloads view's informers have all listed
//
//   node --import tsx test/bench/activation.ts [--rounds N]
//
// Each round reloads the window (a new extension host) with the Sock Shop view open and waits for the
// lab's context row. Rounds alternate cold (the extension's code cache deleted before the reload: the
// bundle compiles as a plain require would, which is the anchor) and warm (the cache the previous cold
// round wrote is used), so machine drift hits both alike. The first round, on a fresh user-data dir, is cold.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageExtension, startPlayground } from '../lab/playground.ts';
import { freePort, stopPid } from '../lab/proc.ts';
import { Workbench } from '../e2e/workbench.ts';
import { until } from '../integration/support.ts';
import { arg, median, runBench, withLab } from './common.ts';
import type { LabState } from '../lab/lab.ts';

/** Every file under dir whose name matches. */
function filesUnder(dir: string, match: RegExp): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, match));
    else if (match.test(name)) out.push(p);
  }
  return out;
}

/** The extension's log text written since `seen` (file → length already read). */
function newLogText(userDataDir: string, seen: Map<string, number>): string {
  let text = '';
  for (const f of filesUnder(join(userDataDir, 'logs'), /^Sock Shop Lab\.log$/)) {
    const all = readFileSync(f, 'utf8');
    text += all.slice(seen.get(f) ?? 0);
    seen.set(f, all.length);
  }
  return text;
}

interface Round {
  kind: 'cold' | 'warm';
  cache: string;
  activated: number;
  features: number;
  compile: number;
  run: number;
  setUp: number;
  firstList: number;
}

async function main(state: LabState): Promise<void> {
  const rounds = arg('--rounds', 9);
  const vsix = packageExtension((m) => process.stderr.write(`[bench] ${m}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'bench-activation-'));
  const pg = await startPlayground(state, { port: await freePort(), dir, vsix });
  const results: Round[] = [];
  const seen = new Map<string, number>();
  let wb: Workbench | undefined;
  try {
    for (let i = 0; i < rounds; i++) {
      const kind: Round['kind'] = i % 2 === 0 ? 'cold' : 'warm';
      if (kind === 'cold') for (const d of filesUnder(join(pg.userDataDir, 'User', 'globalStorage'), /\.cache$/)) rmSync(d, { force: true });
      newLogText(pg.userDataDir, seen); // what earlier rounds wrote is not this round's
      if (!wb) wb = await Workbench.open(pg.url);
      else {
        await wb.page.reload();
        await wb.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      }
      // A reload may restore the view container open or closed, and the tab's state settles late: open it
      // until the lab's context row shows.
      for (let attempt = 1; ; attempt++) {
        await wb.openSockShopView();
        try {
          await wb.treeRow('sock-shop-lab').waitFor({ timeout: 15_000 });
          break;
        } catch (err) {
          if (attempt === 4) {
            await wb.screenshot('bench-activation-failed').catch(() => undefined);
            throw err;
          }
        }
      }
      let text = '';
      const m = await until('the log lines', 60_000, () => {
        text += newLogText(pg.userDataDir, seen);
        const activated = /activated in (\d+) ms/.exec(text);
        const features = /features loaded in (\d+) ms \(code cache (\w+): compile (\d+) ms, run (\d+) ms, set-up (\d+) ms\)/.exec(text);
        const firstList = /workloads: first list in (\d+) ms/.exec(text);
        return activated && features && firstList ? { activated, features, firstList } : undefined;
      });
      const r: Round = {
        kind,
        cache: m.features[2],
        activated: Number(m.activated[1]),
        features: Number(m.features[1]),
        compile: Number(m.features[3]),
        run: Number(m.features[4]),
        setUp: Number(m.features[5]),
        firstList: Number(m.firstList[1]),
      };
      results.push(r);
      process.stderr.write(`round ${i + 1} ${kind} (cache ${r.cache}): activated ${r.activated} ms, features ${r.features} ms (compile ${r.compile}, run ${r.run}, set-up ${r.setUp}), first list ${r.firstList} ms\n`);
      // A cold round's cache is written 10 s after the load: wait for it, so the next (warm) round has it.
      if (kind === 'cold' && i + 1 < rounds) {
        await until('the code cache to be written', 30_000, () => {
          text += newLogText(pg.userDataDir, seen);
          return /features code cache written/.test(text);
        });
      }
    }
  } finally {
    await wb?.close().catch(() => undefined);
    await stopPid(pg.pid);
  }

  const pick = (kind: Round['kind'], k: keyof Omit<Round, 'kind' | 'cache'>) => median(results.filter((r) => r.kind === kind).map((r) => r[k]));
  const summary = {
    rounds,
    loadAverage: loadavg().map((l) => l.toFixed(2)).join(' '),
    unexpectedCacheStates: results.filter((r) => (r.kind === 'warm') !== (r.cache === 'used')).length,
    cold: { activated: pick('cold', 'activated'), features: pick('cold', 'features'), compile: pick('cold', 'compile'), run: pick('cold', 'run'), setUp: pick('cold', 'setUp'), firstList: pick('cold', 'firstList') },
    warm: { activated: pick('warm', 'activated'), features: pick('warm', 'features'), compile: pick('warm', 'compile'), run: pick('warm', 'run'), setUp: pick('warm', 'setUp'), firstList: pick('warm', 'firstList') },
    results,
  };
  console.log(JSON.stringify(summary, null, 2));
  const row = (name: string, k: keyof typeof summary.cold) => `| ${name} | ${summary.cold[k]} ms | ${summary.warm[k]} ms | ${(summary.warm[k] / summary.cold[k]).toFixed(2)}× |`;
  console.log(
    [
      '',
      `| median (${results.filter((r) => r.kind === 'cold').length} cold, ${results.filter((r) => r.kind === 'warm').length} warm rounds) | cold: no code cache (anchor) | warm: code cache used | ratio |`,
      '|---|---|---|---|',
      row('activate()', 'activated'),
      row('features bundle loaded and set up', 'features'),
      row('— read and compile', 'compile'),
      row('— run its top level', 'run'),
      row('— set up the features', 'setUp'),
      row('Workloads: first list', 'firstList'),
    ].join('\n'),
  );
}

runBench(() => withLab(main));
