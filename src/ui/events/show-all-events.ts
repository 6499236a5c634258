// "Sock Shop: Show All Events": the Events view lists every event again, not only warnings.
import type { Registry } from '../registry';
import { eventsFilter } from './shared';

export function registerShowAllEvents(reg: Registry): void {
  const filter = eventsFilter(reg);
  reg.command('sockShop.showAllEvents', () => filter.setWarnings(false));
}
