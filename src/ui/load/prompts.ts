// The Load commands' questions: where to send load (the front-end's load balancer, a port-forward to it, or
// an address typed in) and which model (ab's closed model, Locust's users, an open arrival rate).
import * as vscode from 'vscode';
import { CancelledError } from '../../core/errors';
import { portForwardService, type PortForwardHandle } from '../../core/kube/portforward';
import { serviceAddress } from '../../core/kube/services';
import { normalizeTarget, parseBetween, parseCookies } from '../../core/load/inputs';
import { DEFAULT_TARGET_SERVICE } from '../../core/load/target';
import type { LoadModel } from '../../core/load/types';
import { kubeSession } from '../kube/session';
import { ask, askNumber, pickOne, validating } from '../prompts';
import type { Registry } from '../registry';
import { setting } from '../settings';

/** The front-end URL: load balancer address if any, else an offer to port-forward, else typed in. */
export async function chooseTarget(reg: Registry): Promise<{ url: string; forward?: PortForwardHandle }> {
  const namespace = setting('namespace');
  let suggestion = '';
  let note = '';
  let canForward = false;
  try {
    const kc = await kubeSession(reg).current();
    const addr = await serviceAddress(kc, namespace, DEFAULT_TARGET_SERVICE, 'deploy Sock Shop first');
    suggestion = addr.url ?? '';
    note = addr.note;
    canForward = !addr.url && !!addr.serviceType;
  } catch (err) {
    note = `Could not look up the front-end (${(err as Error)?.message ?? err}).`;
  }
  let forward: PortForwardHandle | undefined;
  if (!suggestion && canForward) {
    const pick = await pickOne(
      [
        { label: 'Port-forward to the front-end', description: 'from this machine, like kubectl port-forward', id: 'forward' },
        { label: 'Enter an address', id: 'type' },
      ],
      `Load target — ${note}`,
    );
    if (pick.id === 'forward') {
      forward = await portForwardService(await kubeSession(reg).current(), namespace, DEFAULT_TARGET_SERVICE, { missing: 'deploy Sock Shop first' });
      suggestion = forward.url;
      reg.log.info(`load: forwarding ${forward.url} to pod ${forward.pod}`);
    }
  }
  try {
    const typed = await ask('Load target: confirm the host to send load to', suggestion || 'http://', validating(normalizeTarget), note || undefined);
    return { url: normalizeTarget(typed), forward };
  } catch (err) {
    await forward?.close();
    throw err;
  }
}

export interface ChosenModel {
  model: LoadModel;
  durationSeconds: number;
  cookies: string[];
  keepAlive: boolean;
}

/** The load model and its figures, each within the machine-scoped bounds. */
export async function chooseModel(b: { maxRequests: number; maxDurationSeconds: number }): Promise<ChosenModel> {
  const pick = await pickOne(
    [
      { label: 'ab (closed model)', description: 'total requests -n over concurrency -c (workshop: -n 1000 -c 5 -C somecookie=rawr)', id: 'closed' },
      { label: 'Locust: index users', description: "the workshop's locustfile: users × GET / with waits (500 users, 10/s, between(5, 15))", id: 'index' },
      { label: 'Locust: Sock Shop shoppers', description: 'own accounts, browse, log in, cart, order under the payment limit', id: 'sockshop' },
      { label: 'Open model (constant arrival rate)', description: 'latency from the intended send time: stalls are not hidden', id: 'open' },
    ],
    'Load model',
  );
  const maxDur = b.maxDurationSeconds;
  if (pick.id === 'closed') {
    const requests = await askNumber('Total requests (-n)', Math.min(1000, b.maxRequests), { integer: true, min: 1, max: b.maxRequests });
    const concurrency = await askNumber('Concurrency (-c)', 5, { integer: true, min: 1, max: 10_000 });
    const cookies = parseCookies(await ask('Cookies (-C), name=value; … (empty for none)', 'somecookie=rawr', validating(parseCookies)));
    const ka = await vscode.window.showQuickPick(['Keep-alive on (ab -k)', 'Keep-alive off'], { title: 'Connections', ignoreFocusOut: true });
    if (!ka) throw new CancelledError();
    return { model: { kind: 'closed', requests, concurrency }, durationSeconds: maxDur, cookies, keepAlive: ka.startsWith('Keep-alive on') };
  }
  if (pick.id === 'open') {
    const rate = await askNumber('Arrival rate (requests per second)', 50, { min: 0.1, max: 1_000_000 });
    const durationSeconds = await askNumber('Duration (seconds)', Math.min(60, maxDur), { min: 1, max: maxDur });
    const maxConnections = await askNumber('Connection limit', 200, { integer: true, min: 1, max: 10_000 });
    return { model: { kind: 'open', rate, maxConnections }, durationSeconds, cookies: [], keepAlive: true };
  }
  const users = await askNumber('Users', 500, { integer: true, min: 1, max: 100_000 });
  const spawnRate = await askNumber('Spawn rate (users per second)', 10, { min: 0.01, max: 10_000 });
  const waitSeconds = parseBetween(await ask('Wait between tasks: between(min, max) seconds', '5,15', validating(parseBetween)));
  const durationSeconds = await askNumber('Duration (seconds)', Math.min(120, maxDur), { min: 1, max: maxDur });
  return { model: { kind: 'users', users, spawnRate, waitSeconds, flow: pick.id as 'index' | 'sockshop' }, durationSeconds, cookies: [], keepAlive: true };
}
