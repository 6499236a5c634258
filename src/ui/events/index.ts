// The Events view: the Sock Shop namespace's Events, live while the view is visible, newest first, Warning
// ones marked, with a toggle to show only warnings. The feed is src/core/kube/events.ts.
// The view is in view.ts, the filter it shares with its two commands in shared.ts, one command per file.
import type { Registry } from '../registry';
import { registerShowAllEvents } from './show-all-events';
import { registerShowWarningEventsOnly } from './show-warning-events-only';
import { registerEventsView } from './view';

export { EVENTS_VIEW } from './view';

export function register(reg: Registry): void {
  registerEventsView(reg);
  registerShowWarningEventsOnly(reg);
  registerShowAllEvents(reg);
}
