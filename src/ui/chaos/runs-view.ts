// The "Experiments" view: past chaos runs from .sockshop/reports, newest first, with their verdict, when, what
// and where; a click opens the report. A run can be pinned as the baseline, and Compare sets a run against the
// baseline (or another run) with the figures side by side (pin-experiment-baseline.ts, compare-with-baseline.ts).
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentResult } from '../../core/chaos/experiment';
import { listRuns, runFigures } from '../../core/chaos/history';
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

export const when = (iso: string) => iso.replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');

export const isRun = (x: unknown): x is RunItem => typeof x === 'object' && x !== null && (x as RunItem).kind === 'run';

/** What the view and its commands share: its change event, the runs it listed last, the pinned baseline. */
export interface RunsView {
  readonly changed: vscode.EventEmitter<void>;
  /** The runs listed last (empty before the view first asked). */
  readonly cache: RunItem[];
  /** Lists the saved runs again (and sets the sockShop.experimentRuns context key). */
  load(): Promise<RunItem[]>;
  /** The baseline run's path, if one is pinned. */
  baseline(): string | undefined;
  setBaseline(path: string | undefined): Thenable<void>;
}

export function runsView(reg: Registry): RunsView {
  return reg.service('chaos.runsView', () => {
    const changed = new vscode.EventEmitter<void>();
    let cache: RunItem[] = [];
    return {
      changed,
      get cache() {
        return cache;
      },
      load: async (): Promise<RunItem[]> => {
        const folder = vscode.workspace.workspaceFolders?.[0];
        if (!folder) return [];
        const { runs, skipped } = await listRuns(folder.uri.fsPath);
        for (const s of skipped) reg.log.warn(`experiments: skipped ${s.path}: ${s.reason}`);
        cache = runs.map((r) => ({ kind: 'run', ...r }));
        void vscode.commands.executeCommand('setContext', 'sockShop.experimentRuns', cache.length);
        return cache;
      },
      baseline: () => reg.context.workspaceState.get<string>(BASELINE_KEY),
      setBaseline: (path) => reg.context.workspaceState.update(BASELINE_KEY, path),
      dispose: () => changed.dispose(),
    };
  });
}

export function registerRunsView(reg: Registry): void {
  const view = runsView(reg);
  const { changed } = view;
  const runsChanged = reg.service('chaos.runsChanged', () => new vscode.EventEmitter<void>());
  const baseline = () => view.baseline();
  const load = () => view.load();

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
  reg.context.subscriptions.push(watcher, watcher.onDidCreate(() => changed.fire()), watcher.onDidDelete(() => changed.fire()), runsChanged.event(() => changed.fire()));
}
