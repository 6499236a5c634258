// "Sock Shop: Run Load": our load engine on worker threads against the front-end (ab-, Locust- or
// open-model), checked by one pre-flight request, shown live on the Load panel, the progress notification
// and the log; the report is saved under .sockshop/reports and the walkthrough step ticks when the target
// answered most requests.
import * as vscode from 'vscode';
import { startLoad, type LoadRun } from '../../core/load/engine';
import { applyBounds } from '../../core/load/inputs';
import { describeModel, loadRunShortfall, saveReport } from '../../core/load/report';
import type { LoadSpec } from '../../core/load/types';
import type { PortForwardHandle } from '../../core/kube/portforward';
import { confirmTargetAnswers } from '../preflight';
import type { Registry } from '../registry';
import { setting } from '../settings';
import { markStepDone } from '../walkthrough-steps';
import { activeLoad, loadPanel, openReport } from './panel';
import { chooseModel, chooseTarget } from './prompts';
import { statsLine, summaryOf, workspaceDir } from './format';

async function execute(reg: Registry, spec: LoadSpec, forward?: PortForwardHandle): Promise<void> {
  const active = activeLoad(reg);
  active.assertIdle();
  let handle: LoadRun | undefined;
  const run = loadPanel(reg).begin(
    { title: 'Load run', target: spec.target.url, model: describeModel(spec.model), source: 'engine' },
    { stop: () => handle?.stop(), runAgain: () => execute(reg, spec) },
  );
  active.current = { id: run.id, stop: () => handle?.stop() };
  reg.log.info(`load: start ${describeModel(spec.model)} against ${spec.target.url} (bounds: ${spec.maxRequests} requests, ${spec.maxDurationSeconds} s)`);
  try {
    const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Sock Shop load', cancellable: true }, async (progress, token) => {
      handle = startLoad(spec, {
        onStats: (s) => {
          run.stats(s);
          progress.report({ message: `${s.rps} req/s · ${s.failPercent}% failed · p95 ${s.p95Ms} ms · ${s.totalRequests} requests` });
          reg.log.info(`load: ${statsLine(s)}`);
        },
      });
      token.onCancellationRequested(() => handle?.stop());
      return handle.done;
    });
    let reportPath: string | undefined;
    const dir = workspaceDir();
    if (dir) {
      const saved = await saveReport(dir, report);
      reportPath = saved.markdown;
      reg.log.info(`load: report saved to ${saved.markdown} and ${saved.json}`);
    }
    run.done(summaryOf(report, reportPath));
    const text = `Load ${report.endReason}: ${report.requests} requests, ${report.failPercent}% failed, ${report.rps} req/s, p95 ${report.latencyMs.p95} ms.`;
    reg.log.info(`load: ${text}`);
    const shortfall = loadRunShortfall(report);
    if (!shortfall) markStepDone(reg.context, 'loadRun');
    else reg.log.info(`load: the walkthrough step "Put it under load" stays open: ${shortfall}`);
    const show = shortfall ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const choice = await show(shortfall ? `${text} The target hardly answered: ${shortfall}.` : text, ...(reportPath ? ['Open Report'] : []));
    if (choice === 'Open Report' && reportPath) await openReport(reportPath);
  } catch (err) {
    run.error((err as Error)?.message ?? String(err));
    throw err;
  } finally {
    if (active.current?.id === run.id) active.current = undefined;
    await forward?.close();
  }
}

export function registerRunLoad(reg: Registry): void {
  reg.command('sockShop.runLoad', async () => {
    const b = { maxRequests: setting('load.maxRequests'), maxDurationSeconds: setting('load.maxDurationSeconds') };
    const { url, forward } = await chooseTarget(reg);
    try {
      const chosen = await chooseModel(b);
      const spec = applyBounds(
        { target: { url, cookies: chosen.cookies, keepAlive: chosen.keepAlive, timeoutMs: 30_000 }, model: chosen.model, maxRequests: b.maxRequests, maxDurationSeconds: chosen.durationSeconds },
        b,
      );
      await confirmTargetAnswers(reg, spec.target, 'Run Load');
      await execute(reg, spec, forward);
    } catch (err) {
      await forward?.close();
      throw err;
    }
  });
}
