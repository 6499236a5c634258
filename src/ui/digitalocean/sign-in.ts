// "Sock Shop: Sign in to DigitalOcean": asks for a personal access token, checks it and keeps it in
// secret storage (the flow is DoSession.signIn in session.ts).
import type { Registry } from '../registry';
import { doSession } from './session';

export function registerSignIn(reg: Registry): void {
  const session = doSession(reg);
  reg.command('sockShop.signIn', () => session.signIn());
}
