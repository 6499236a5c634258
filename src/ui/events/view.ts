// The Events view: the Sock Shop namespace's Events, live while the view is visible, newest first, Warning
// ones marked (only those when the filter says so). The feed is src/core/kube/events.ts.
import * as vscode from 'vscode';
import { EventFeed, type EventRow } from '../../core/kube/events';
import { kubeAge } from '../../core/kube/format';
import { describeError } from '../../core/errors';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';
import { setting } from '../settings';
import { eventsFilter } from './shared';

export const EVENTS_VIEW = 'sockShop.events';
const LIMIT = 200;

type Node = { kind: 'event'; row: EventRow } | { kind: 'note'; text: string; tooltip?: string };

export function registerEventsView(reg: Registry): void {
  const session = kubeSession(reg);
  const filter = eventsFilter(reg);
  const changed = filter.changed;
  let feed: EventFeed | undefined;
  let rows: EventRow[] = [];
  let problem: string | undefined;

  const stop = () => {
    feed?.stop();
    feed = undefined;
  };
  const start = async () => {
    stop();
    rows = [];
    problem = undefined;
    const namespace = setting('namespace');
    try {
      const kc = await session.current();
      const f = new EventFeed(kc, namespace, (r) => {
        if (feed !== f) return;
        rows = r;
        problem = undefined;
        changed.fire();
      }, { onError: (err) => ((problem = `The events watch failed (it retries): ${describeError(err)}`), changed.fire()) });
      feed = f;
      await f.start();
    } catch (err) {
      problem = describeError(err);
      reg.log.warn(`events: ${problem}`);
    }
    changed.fire();
  };

  const view = reg.tree<Node>(EVENTS_VIEW, {
    onDidChangeTreeData: changed.event,
    getChildren(el) {
      if (el) return [];
      const warningsOnly = filter.warningsOnly;
      if (problem && !rows.length) return [{ kind: 'note', text: problem }];
      const shown = (warningsOnly ? rows.filter((r) => r.warning) : rows).slice(0, LIMIT);
      if (!shown.length) return [{ kind: 'note', text: warningsOnly ? `No Warning events in ${setting('namespace')}.` : `No events in ${setting('namespace')} yet.` }];
      const out: Node[] = shown.map((row) => ({ kind: 'event', row }));
      const total = warningsOnly ? rows.filter((r) => r.warning).length : rows.length;
      if (total > LIMIT) out.push({ kind: 'note', text: `… and ${total - LIMIT} older events`, tooltip: 'Only the newest are listed.' });
      return out;
    },
    getTreeItem(node) {
      if (node.kind === 'note') {
        const item = new vscode.TreeItem(node.text);
        item.tooltip = node.tooltip ?? node.text;
        return item;
      }
      const r = node.row;
      const item = new vscode.TreeItem(r.reason || r.type);
      item.id = r.uid;
      item.description = `${r.object} · ${kubeAge(r.time) ?? "?"}${r.count > 1 ? ` · ×${r.count}` : ''}`;
      item.iconPath = r.warning ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : new vscode.ThemeIcon('info');
      const md = new vscode.MarkdownString();
      md.appendMarkdown(`**${r.type} · ${r.reason}** on ${r.object}\n\n`);
      md.appendText(r.message);
      md.appendMarkdown(`\n\n${new Date(r.time).toLocaleString()}${r.count > 1 ? ` · seen ${r.count} times` : ''}${r.source ? ` · from ${r.source}` : ''}`);
      item.tooltip = md;
      item.contextValue = r.warning ? 'sockShop.event.warning' : 'sockShop.event';
      return item;
    },
  });

  // Watch only while someone looks: the view's visibility starts and stops the feed.
  if (view) {
    reg.context.subscriptions.push(
      view.onDidChangeVisibility((e) => (e.visible ? void start() : stop())),
      session.onDidChangeContext(() => (view.visible ? void start() : undefined)),
      vscode.workspace.onDidChangeConfiguration((e) => (e.affectsConfiguration('sockShop.namespace') && view.visible ? void start() : undefined)),
    );
    if (view.visible) void start();
  }
  reg.context.subscriptions.push({ dispose: stop });
}
