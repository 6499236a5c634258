// The lab's data plane as a lab component: the lab kubelet (runtime.ts: pods of known images run as real
// servers on loopback) and the lab proxy (proxy.ts: Services and load balancers route to ready pods), each
// its own daemon, recorded by pid. See addresses.ts for where everything sits on loopback.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { ComponentState, LabComponent, LabContext } from '../component.ts';
import { REPO_ROOT } from '../paths.ts';
import { isAlive, startDaemon, stopPid, waitFor } from '../proc.ts';
import { SERVICE_CLUSTER_IP_RANGE } from './addresses.ts';
import { delayFromEnv } from './proxy.ts';

export interface DataplaneState extends ComponentState {
  /** Where container logs and exec working directories live (<dir>/pods/<ns>_<pod>_<uid>/). */
  dir: string;
  propagationDelayMs: number;
  serviceClusterIpRange: string;
}

async function startOne(ctx: LabContext, name: string, file: string, args: string[], ready: string): Promise<number> {
  const logFile = join(ctx.home, `${name}.log`);
  const offset = existsSync(logFile) ? statSync(logFile).size : 0;
  const pid = startDaemon(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'lab', 'dataplane', file), ...args], { cwd: REPO_ROOT, logFile });
  try {
    await waitFor(
      name,
      () => {
        if (!isAlive(pid)) throw new Error('it exited');
        return existsSync(logFile) && readFileSync(logFile).subarray(offset).toString('utf8').includes(ready);
      },
      30_000,
      logFile,
    );
  } catch (err) {
    await stopPid(pid);
    throw err;
  }
  return pid;
}

/**
 * The addresses are fixed (addresses.ts), so two labs' data planes on one machine would fight over them.
 * The default Service's ClusterIP (the first of the range, port 443) is the tell: when something already
 * listens there, another lab's proxy does.
 */
async function assertNoOtherDataplane(): Promise<void> {
  const host = SERVICE_CLUSTER_IP_RANGE.replace(/0\/\d+$/, '1');
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `${host}:443 is taken: another lab's data plane is running on this machine (its proxy serves the same loopback ` +
                'addresses). Stop that lab (`npm run lab -- down` in its checkout), or start this one without it: ' +
                'SOCK_SHOP_LAB_COMPONENTS=cluster,loadbalancer,monitoring,digitalocean.'
            : `cannot bind ${host}:443 for the lab proxy: ${err.message}`,
        ),
      ),
    );
    probe.listen({ host, port: 443, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export const dataplaneComponent: LabComponent = {
  name: 'dataplane',
  async start(ctx) {
    await assertNoOtherDataplane();
    const dir = join(ctx.home, 'dataplane');
    mkdirSync(dir, { recursive: true });
    const delay = delayFromEnv();
    const [kubelet, proxy] = await Promise.allSettled([
      startOne(ctx, 'lab-kubelet', 'runtime.ts', [ctx.kubeconfig, dir], 'lab-kubelet: running'),
      startOne(ctx, 'lab-proxy', 'proxy.ts', [ctx.kubeconfig], 'lab-proxy: forwarding'),
    ]);
    if (kubelet.status === 'rejected' || proxy.status === 'rejected') {
      if (kubelet.status === 'fulfilled') await stopPid(kubelet.value);
      if (proxy.status === 'fulfilled') await stopPid(proxy.value);
      throw kubelet.status === 'rejected' ? kubelet.reason : (proxy as PromiseRejectedResult).reason;
    }
    const state: DataplaneState = {
      pids: { 'lab-kubelet': kubelet.value, 'lab-proxy': proxy.value },
      urls: {},
      dir,
      propagationDelayMs: delay,
      serviceClusterIpRange: SERVICE_CLUSTER_IP_RANGE,
    };
    return state;
  },
  async stop(_ctx, state) {
    // The kubelet first, so its pods' sockets close before the proxy stops routing.
    await stopPid(state?.pids['lab-kubelet']);
    await stopPid(state?.pids['lab-proxy']);
  },
};
