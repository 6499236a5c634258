// "Sock Shop: Install kube-monkey": installs kube-monkey (dry run or killing, debug or normal schedule, time
// zone) acting only in the Sock Shop namespace, after a server dry run and a confirmation, then follows its
// logs in the "kube-monkey" output and shows its schedule in the Experiments view.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { UserError } from '../../core/errors';
import { listCandidates } from '../../core/chaos/experiment';
import { followKubeMonkeyLogs, installKubeMonkey, type LogFollow } from '../../core/chaos/kube';
import { DEFAULT_CONFIG, installObjects, isIanaZone, KUBE_MONKEY_NAME } from '../../core/chaos/kubemonkey';
import { installConfirmation } from '../../core/chaos/confirm';
import { parseTermination, ScheduleReader } from '../../core/chaos/schedule';
import { faultTimeline } from '../timeline';
import { assertChaosNamespace } from '../../core/kube/guard';
import { outcomeLine } from '../../core/kube/apply';
import { loadManifestFiles } from '../../core/kube/objects';
import { confirmModal } from '../guard';
import { kubeSession } from '../kube/session';
import { ask, pickOne } from '../prompts';
import type { Registry } from '../registry';
import { setting } from '../settings';
import { chaosChannel } from './run';
import { publishKubeMonkeySchedule } from './runs-view';

export function registerInstallKubeMonkey(reg: Registry): void {
  const logsChannel = () => reg.service('chaos.kubeMonkeyLogs', () => vscode.window.createOutputChannel('kube-monkey'));
  let logFollow: LogFollow | undefined;
  reg.context.subscriptions.push({ dispose: () => logFollow?.stop() });

  reg.command('sockShop.installKubeMonkey', async () => {
    const kc = await kubeSession(reg).current();
    const target = setting('namespace');
    assertChaosNamespace(target, 'Install kube-monkey', setting('chaos.namespaceAllowlist'));
    const dryRun = (
      await pickOne(
        [
          { label: 'Log only (dry_run = true)', description: "kube-monkey's default: it says what it would kill", dry: true },
          { label: 'Kill pods (dry_run = false)', description: `in ${target}, following each Deployment's labels`, dry: false },
        ],
        'kube-monkey: dry run?',
      )
    ).dry;
    const debug = (
      await pickOne(
        [
          { label: 'Schedule immediately (debug)', description: 'plan at once and every 30 s, kill within a minute — for workshops', on: true },
          { label: 'Normal schedule', description: `plan at run_hour ${DEFAULT_CONFIG.runHour} on weekdays, kill between ${DEFAULT_CONFIG.startHour} and ${DEFAULT_CONFIG.endHour}`, on: false },
        ],
        'kube-monkey: schedule',
      )
    ).on;
    const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const timeZone = await ask('kube-monkey time_zone (IANA name)', isIanaZone(localZone) ? localZone : DEFAULT_CONFIG.timeZone, (v) =>
      isIanaZone(v) ? undefined : `"${v}" is not an IANA time zone (e.g. Asia/Singapore); kube-monkey would exit at start.`,
    );
    const optedIn = (await listCandidates(kc, target)).filter((c) => c.optedIn).map((c) => c.name);
    await confirmModal(installConfirmation({ context: kc.getCurrentContext(), target, dryRun, debug, timeZone, optedIn }));
    const objects = installObjects(loadManifestFiles(path.join(reg.context.extensionPath, 'manifests', 'kube-monkey')), {
      namespace: KUBE_MONKEY_NAME,
      config: {
        ...DEFAULT_CONFIG,
        dryRun,
        timeZone,
        whitelistedNamespaces: [target],
        ...(debug ? { debug: { enabled: true, scheduleImmediateKill: true, scheduleDelaySeconds: 30 } } : {}),
      },
    });
    const out = chaosChannel(reg);
    const outcomes = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Install kube-monkey', cancellable: true }, async (p, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      p.report({ message: 'server dry run…' });
      const check = await installKubeMonkey(kc, objects, { dryRun: true, signal: ac.signal });
      // kube-monkey's own namespace is created by the apply itself; a dry run cannot see it yet.
      const failed = check.filter((o) => o.status === 'failed' && !(o.message ?? '').includes(`namespaces "${KUBE_MONKEY_NAME}" not found`));
      if (failed.some((o) => (o.message ?? '').includes(`namespaces "${target}" not found`))) {
        throw new UserError(`Namespace ${target} does not exist: deploy Sock Shop first (kube-monkey acts only there).`, 'NotFound');
      }
      if (failed.length) throw new UserError(`The server rejected the kube-monkey manifests: ${failed.map(outcomeLine).join('; ')}`, 'ApplyFailed');
      p.report({ message: 'applying…' });
      return installKubeMonkey(kc, objects, { signal: ac.signal, onOutcome: (o) => out.appendLine(`  ${outcomeLine(o)}`) });
    });
    const failed = outcomes.filter((o) => o.status === 'failed');
    if (failed.length) throw new UserError(`kube-monkey install: ${failed.map(outcomeLine).join('; ')}`, 'ApplyFailed');
    void vscode.window.showInformationMessage(
      `kube-monkey installed in ${KUBE_MONKEY_NAME} (${dryRun ? 'dry run: it only logs' : 'it kills pods'} in ${target}${debug ? ', debug schedule' : ''}). Following its logs.`,
    );
    logFollow?.stop();
    const logs = logsChannel();
    logs.show(true);
    logs.appendLine(`--- kube-monkey logs (${new Date().toISOString()}) ---`);
    // Its "Today's schedule" blocks go to the Experiments view, with countdowns.
    const schedules = new ScheduleReader((s) => publishKubeMonkeySchedule(reg, s));
    logFollow = followKubeMonkeyLogs(kc, KUBE_MONKEY_NAME, (line) => {
      logs.appendLine(line);
      schedules.line(line);
      // Its kills go on the fault timeline, so the metrics panel marks them where they happened.
      const t = parseTermination(line);
      if (t?.ok) faultTimeline(reg).add({ time: t.at ?? Date.now(), kind: 'kill', label: `kube-monkey killed ${t.kind} ${t.name}`, detail: `from kube-monkey's log, context ${kc.getCurrentContext()}` });
    });
  });
}
