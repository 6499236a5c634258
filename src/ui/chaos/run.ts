// Running a chaos experiment in the editor, whoever asked for it (the Start Chaos Experiment prompts or a
// *.chaos.yaml file's CodeLens): one experiment at a time, a cancellable progress notification, the
// "Sock Shop Chaos" output, the report saved under .sockshop/reports (with context, file and commit), the
// Markdown preview and the verdict as a notification.
import * as vscode from 'vscode';
import type { KubeConfig } from '@kubernetes/client-node';
import { UserError } from '../../core/errors';
import { describeKill, experimentMarkdown, runExperiment, saveExperimentReport, type ExperimentResult, type ExperimentSource, type ExperimentSpec, type Guards } from '../../core/chaos/experiment';
import type { Prediction } from '../../core/chaos/file';
import { runFigures, scorePrediction } from '../../core/chaos/history';
import type { Registry } from '../registry';
import { markStepDone } from '../walkthrough-steps';
import { describeModel, loadRunShortfall } from '../../core/load/report';
import { adviseAfterRun } from './advice';
import { loadPanel, type PanelRun } from '../load/panel';
import { summaryOf } from '../load/format';
import { killMarker } from '../../core/chaos/markers';
import { faultTimeline } from '../timeline';

interface Running {
  abort: AbortController;
}

/** The one running experiment (shared by every way of starting one). */
function running(reg: Registry): { current?: Running } {
  return reg.service('chaos.running', () => {
    const state: { current?: Running; dispose(): void } = { dispose: () => state.current?.abort.abort() };
    return state;
  });
}

export function chaosChannel(reg: Registry): vscode.OutputChannel {
  return reg.service('chaos.output', () => vscode.window.createOutputChannel('Sock Shop Chaos'));
}

export function assertNoExperimentRunning(reg: Registry): void {
  if (running(reg).current) throw new UserError('A chaos experiment is running. Abort it first ("Sock Shop: Abort Chaos Experiment").', 'Busy');
}

/** Aborts the running experiment; false when none runs. */
export function abortExperiment(reg: Registry): boolean {
  const r = running(reg).current;
  if (!r) return false;
  r.abort.abort();
  chaosChannel(reg).appendLine('  abort requested: stopping load and kills');
  return true;
}

export interface RunExtras {
  context: string;
  source?: ExperimentSource;
  prediction?: Prediction;
}

/** Runs spec with progress and output, saves and opens the report, shows the verdict. */
export async function runExperimentInEditor(reg: Registry, kc: KubeConfig, spec: ExperimentSpec, guards: Guards, extras: RunExtras): Promise<ExperimentResult> {
  assertNoExperimentRunning(reg);
  const out = chaosChannel(reg);
  out.show(true);
  out.appendLine(
    `=== chaos experiment ${new Date().toISOString()}${extras.source ? ` (${extras.source.file})` : ''}: ${spec.targets.join(', ')} in ${spec.namespace} of context ${extras.context}, ${describeKill(spec.kill)} every ${spec.intervalSeconds} s for ${spec.durationSeconds} s${spec.dryRun ? ' (dry run)' : ''}`,
  );
  const ac = new AbortController();
  const state = running(reg);
  state.current = { abort: ac };
  // The experiment's load, kills and readiness on the Load panel's charts: one timeline.
  const panel: PanelRun | undefined =
    spec.load && !spec.dryRun
      ? loadPanel(reg).begin(
          { title: `Chaos experiment: ${spec.targets.join(', ')}`, target: spec.load.target.url, model: describeModel(spec.load.model), source: 'experiment' },
          { stop: () => abortExperiment(reg) },
        )
      : undefined;
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Chaos experiment', cancellable: true }, (p, token) => {
      token.onCancellationRequested(() => ac.abort());
      return runExperiment(kc, spec, {
        guards,
        signal: ac.signal,
        onEvent: (e) => {
          if (e.type === 'sample') {
            const s = e.sample;
            const ready = Object.entries(s.ready).map(([n, r]) => `${n} ${r.ready}/${r.desired}`).join(' · ');
            const load = s.rps !== undefined ? `${s.rps} req/s · ${s.failPercent}% failed · p95 ${s.p95Ms} ms · ` : '';
            p.report({ message: `${s.t} s / ${spec.durationSeconds} s · ${load}${ready}` });
            out.appendLine(`${s.t.toFixed(1).padStart(6)} s  ${load}${ready}`);
            panel?.readiness({ time: s.time, ready: Object.fromEntries(Object.entries(s.ready).map(([n, r]) => [n, { ready: r.ready, desired: r.desired }])) });
          } else if (e.type === 'load') {
            panel?.stats(e.stats);
          } else if (e.type === 'breach') {
            const m = { time: e.time, kind: 'breach' as const, label: `steady state broke at t=${e.t} s`, detail: e.failed.join('; ') };
            panel?.marker(m);
            faultTimeline(reg).add(m);
          } else if (e.type === 'kill') {
            const m = killMarker(e.kill);
            if (m) {
              panel?.marker(m);
              faultTimeline(reg).add(m);
            }
            out.appendLine(`     ◆ kill ${e.kill.deployment}: ${e.kill.pods.join(', ') || 'no pod'}${e.kill.capped ? ' (capped by maxPodsPerKill)' : ''}${e.kill.errors.length ? ` — ${e.kill.errors.join('; ')}` : ''}`);
          } else if (e.type === 'phase') {
            p.report({ message: e.message });
            out.appendLine(`  ${e.message}`);
          }
        },
      });
    });
    if (panel && result.load) {
      panel.done({ ...summaryOf(result.load), endReason: `${result.verdict} (${result.load.endReason})` });
    } else if (panel) {
      panel.done({ endReason: result.verdict, requests: 0, failures: 0, failPercent: 0, rps: 0, p50Ms: 0, p95Ms: 0, p99Ms: 0, statuses: {}, failuresByCause: {} });
    }
    result.context = extras.context;
    if (extras.source) result.source = extras.source;
    if (extras.prediction && result.verdict !== 'DRY RUN') result.prediction = { predicted: extras.prediction, score: scorePrediction(extras.prediction, runFigures(result)) };
    const dir = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    let doc: vscode.Uri;
    if (dir) {
      const saved = await saveExperimentReport(dir, result);
      out.appendLine(`report: ${saved.markdown} and ${saved.json}`);
      doc = vscode.Uri.file(saved.markdown);
    } else {
      doc = (await vscode.workspace.openTextDocument({ language: 'markdown', content: experimentMarkdown(result) })).uri;
    }
    out.appendLine(`verdict: ${result.verdict}`);
    // The step ticks for a verdict reached under load that the target answered, not for 100 % refused connections.
    const shortfall = result.load ? loadRunShortfall(result.load) : 'the load did not run';
    if ((result.verdict === 'PASS' || result.verdict === 'FAIL') && !shortfall) markStepDone(reg.context, 'experimentRun');
    else if (shortfall) out.appendLine(`the walkthrough step stays open: ${shortfall}`);
    for (const c of result.checks) out.appendLine(`  ${c.ok ? 'PASS' : 'FAIL'} ${c.name}: ${c.summary}`);
    if (result.prediction?.score) out.appendLine(`  prediction score ${result.prediction.score.score} / 100`);
    await vscode.commands.executeCommand('markdown.showPreview', doc).then(undefined, () => vscode.window.showTextDocument(doc));
    const summary = `Chaos experiment: ${result.verdict}. ${result.checks.filter((c) => !c.ok).map((c) => c.summary).join('; ')}`;
    if (result.verdict === 'FAIL') {
      const advised = await adviseAfterRun(reg, result).catch((err) => (reg.log.warn(`chaos advice: ${(err as Error)?.message ?? err}`), []));
      const button = advised.length ? 'Show Suggested Fixes' : undefined;
      void vscode.window.showWarningMessage(advised.length ? `${summary} Fixes are suggested in ${vscode.workspace.asRelativePath(advised[0])}${advised.length > 1 ? ` and ${advised.length - 1} more` : ''}.` : summary, ...(button ? [button] : [])).then(async (b) => {
        if (b !== button || !advised.length) return;
        await vscode.window.showTextDocument(advised[0]);
        await vscode.commands.executeCommand('workbench.actions.view.problems');
      });
    } else {
      void vscode.window.showInformationMessage(summary);
    }
    reg.service('chaos.runsChanged', () => new vscode.EventEmitter<void>()).fire();
    return result;
  } catch (err) {
    panel?.error((err as Error)?.message ?? String(err));
    throw err;
  } finally {
    if (state.current?.abort === ac) state.current = undefined;
  }
}
