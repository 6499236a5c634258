// The "Experiments" view: past chaos runs from .sockshop/reports, newest first, with their verdict, when, what
// and where; a click opens the report. A run can be pinned as the baseline, and Compare sets a run against the
// baseline (or another run) with the figures side by side.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { UserError } from '../../core/errors';
import type { ExperimentResult } from '../../core/chaos/experiment';
import { compareRuns, comparisonMarkdown, listRuns, runFigures } from '../../core/chaos/history';
import { countdown, type KubeMonkeySchedule, type ScheduledKill } from '../../core/chaos/schedule';
import type { Registry } from '../registry';

export const RUNS_VIEW = 'sockShop.experiments';
const BASELINE_KEY = 'sockShop.experimentBaseline';

export interface RunItem {
  kind: 'run';
  path: string;
  result: ExperimentResult;
}

interface ScheduleGroup {
  kind: 'schedule';
}

interface ScheduleEntry {
  kind: 'scheduled';
  entry: ScheduledKill;
}

type Node = RunItem | ScheduleGroup | ScheduleEntry;

/** The latest kube-monkey schedule read from its log, shown at the top of the Experiments view. */
export function publishKubeMonkeySchedule(reg: Registry, schedule: KubeMonkeySchedule): void {
  const s = scheduleState(reg);
  s.latest = { schedule, seenAt: Date.now() };
  s.changed.fire();
}

function scheduleState(reg: Registry): { latest?: { schedule: KubeMonkeySchedule; seenAt: number }; changed: vscode.EventEmitter<void>; dispose(): void } {
  return reg.service('chaos.kubeMonkeySchedule', () => {
    const changed = new vscode.EventEmitter<void>();
    return { changed, dispose: () => changed.dispose() };
  });
}

const when = (iso: string) => iso.replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');

export function registerRunsView(reg: Registry): void {
  const changed = new vscode.EventEmitter<void>();
  const runsChanged = reg.service('chaos.runsChanged', () => new vscode.EventEmitter<void>());
  const baseline = () => reg.context.workspaceState.get<string>(BASELINE_KEY);
  let cache: RunItem[] = [];

  const load = async (): Promise<RunItem[]> => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) return [];
    const { runs, skipped } = await listRuns(folder.uri.fsPath);
    for (const s of skipped) reg.log.warn(`experiments: skipped ${s.path}: ${s.reason}`);
    cache = runs.map((r) => ({ kind: 'run', ...r }));
    void vscode.commands.executeCommand('setContext', 'sockShop.experimentRuns', cache.length);
    return cache;
  };

  const schedule = scheduleState(reg);
  // While a scheduled kill is ahead, the countdowns tick.
  const ticker = setInterval(() => {
    const latest = schedule.latest;
    if (latest && latest.schedule.entries.some((e) => e.killAt > Date.now() - 60_000)) changed.fire();
  }, 5000);
  reg.context.subscriptions.push({ dispose: () => clearInterval(ticker) }, schedule.changed.event(() => changed.fire()));

  reg.tree<Node>(RUNS_VIEW, {
    onDidChangeTreeData: changed.event,
    getChildren: async (el) => {
      if (el?.kind === 'schedule') return (schedule.latest?.schedule.entries ?? []).map((entry) => ({ kind: 'scheduled', entry }) as ScheduleEntry);
      if (el) return [];
      const runs = await load();
      return schedule.latest ? [{ kind: 'schedule' } as ScheduleGroup, ...runs] : runs;
    },
    getTreeItem(node) {
      if (node.kind === 'schedule') {
        const l = schedule.latest!;
        const n = l.schedule.entries.length;
        const item = new vscode.TreeItem("kube-monkey: today's schedule", n ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
        item.id = 'kube-monkey-schedule';
        item.iconPath = new vscode.ThemeIcon('calendar');
        item.description = n ? `${n} termination${n === 1 ? '' : 's'}` : 'no terminations scheduled';
        item.tooltip = `From kube-monkey's log at ${new Date(l.seenAt).toLocaleTimeString()}${l.schedule.id ? ` (KubeMonkey ID ${l.schedule.id})` : ''}. kube-monkey plans at run_hour on weekdays, or at once in debug mode.`;
        return item;
      }
      if (node.kind === 'scheduled') {
        const e = node.entry;
        const item = new vscode.TreeItem(`${e.namespace ? `${e.namespace}/` : ''}${e.name}`);
        item.description = `${countdown(e.killAt, Date.now())} · ${new Date(e.killAt).toLocaleTimeString()}`;
        item.tooltip = `${e.kind} ${e.name}: kube-monkey terminates its pods at ${e.printed} (as it printed it).`;
        item.iconPath = new vscode.ThemeIcon(e.killAt > Date.now() ? 'watch' : 'flame');
        return item;
      }
      const el = node;
      const r = el.result;
      const f = runFigures(r);
      const name = r.source?.name ?? r.spec.targets.join(', ');
      const item = new vscode.TreeItem(`${name}`, vscode.TreeItemCollapsibleState.None);
      const pinned = baseline() === el.path;
      item.id = el.path;
      item.description = `${r.verdict} · ${when(r.startedAt)}${pinned ? ' · baseline' : ''}`;
      item.iconPath = new vscode.ThemeIcon(
        r.verdict === 'PASS' ? 'pass' : r.verdict === 'FAIL' ? 'error' : r.verdict === 'ABORTED' ? 'circle-slash' : 'checklist',
        new vscode.ThemeColor(r.verdict === 'PASS' ? 'testing.iconPassed' : r.verdict === 'FAIL' ? 'testing.iconFailed' : 'foreground'),
      );
      const md = new vscode.MarkdownString();
      md.appendMarkdown(`**${name}: ${r.verdict}**${pinned ? ' (baseline)' : ''}\n\n`);
      md.appendMarkdown(`${r.spec.targets.join(', ')} in ${r.spec.namespace}${r.context ? ` · context ${r.context}` : ''}\n\n`);
      md.appendMarkdown(
        `failures ${f.failPercent ?? '—'} % · p95 ${f.p95Ms ?? '—'} ms · slowest recovery ${f.recoverySeconds ?? '—'} s${f.unrecovered ? ' (a kill never recovered)' : ''} · ${f.kills} kill${f.kills === 1 ? '' : 's'}\n\n`,
      );
      md.appendMarkdown(`${when(r.startedAt)} · ${basename(el.path)}`);
      item.tooltip = md;
      item.contextValue = pinned ? 'sockShop.experimentRun.baseline' : 'sockShop.experimentRun';
      item.command = { command: 'vscode.open', title: 'Open report', arguments: [vscode.Uri.file(el.path.replace(/\.json$/, '.md'))] };
      return item;
    },
  });

  const watcher = vscode.workspace.createFileSystemWatcher('**/.sockshop/reports/chaos-*.json');
  reg.context.subscriptions.push(changed, watcher, watcher.onDidCreate(() => changed.fire()), watcher.onDidDelete(() => changed.fire()), runsChanged.event(() => changed.fire()));

  const isRun = (x: unknown): x is RunItem => typeof x === 'object' && x !== null && (x as RunItem).kind === 'run';

  reg.command('sockShop.pinExperimentBaseline', async (arg?: unknown) => {
    if (!isRun(arg)) throw new UserError('Pick a run in the Experiments view to pin it as the baseline.', 'BadInput');
    const unpin = baseline() === arg.path;
    await reg.context.workspaceState.update(BASELINE_KEY, unpin ? undefined : arg.path);
    changed.fire();
    void vscode.window.showInformationMessage(unpin ? 'Baseline unpinned.' : `Baseline: ${arg.result.source?.name ?? arg.result.spec.targets.join(', ')} of ${when(arg.result.startedAt)}.`);
  });

  reg.command('sockShop.compareWithBaseline', async (arg?: unknown) => {
    if (!isRun(arg)) throw new UserError('Pick a run in the Experiments view to compare it.', 'BadInput');
    const runs = cache.length ? cache : await load();
    let other = runs.find((r) => r.path === baseline() && r.path !== arg.path);
    if (!other) {
      const pick = await vscode.window.showQuickPick(
        runs.filter((r) => r.path !== arg.path).map((r) => ({ label: `${r.result.source?.name ?? r.result.spec.targets.join(', ')} · ${r.result.verdict}`, description: when(r.result.startedAt), run: r })),
        { title: 'Compare with which run? (pin one as the baseline to skip this)', ignoreFocusOut: true },
      );
      if (!pick) return;
      other = pick.run;
    }
    const [older, newer] = other.result.startedAt <= arg.result.startedAt ? [other, arg] : [arg, other];
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: comparisonMarkdown(compareRuns(older.result, newer.result)) });
    await vscode.commands.executeCommand('markdown.showPreview', doc.uri).then(undefined, () => vscode.window.showTextDocument(doc));
  });
}
