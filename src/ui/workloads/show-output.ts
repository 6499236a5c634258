// "Sock Shop: Show Log": reveals the extension's log output channel.
import type { Registry } from '../registry';

export function registerShowOutput(reg: Registry): void {
  reg.command('sockShop.showOutput', () => reg.log.show());
}
