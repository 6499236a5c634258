// "Sock Shop: Show Warning Events Only": the Events view lists only Warning events (kept per workspace).
import type { Registry } from '../registry';
import { eventsFilter } from './shared';

export function registerShowWarningEventsOnly(reg: Registry): void {
  const filter = eventsFilter(reg);
  reg.command('sockShop.showWarningEventsOnly', () => filter.setWarnings(true));
}
