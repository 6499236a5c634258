// The lab's LoadBalancer controller. On DOKS, DigitalOcean's cloud controller manager creates a
// load balancer for every Service of type LoadBalancer, writes its id into the Service annotation
// `kubernetes.digitalocean.com/load-balancer-id` and, once the balancer is up, its public IPv4 into
// `status.loadBalancer.ingress[0].ip`. This controller does the same against the lab cluster.
//
// Addresses come from 127.10.0.0/16. All of 127.0.0.0/8 is loopback on Linux, so every address is
// local to this machine (a test can even listen on it), traffic to it can never leave the machine,
// and each Service still gets its own distinct IP as on DigitalOcean. The range stays clear of
// 127.0.0.1 (where the lab's servers listen) and of Debian's 127.0.1.1 hostname entry.
//
// Run as a lab daemon:  node --import tsx test/lab/lb-controller.ts <kubeconfig>
// It reconciles every second (so it rides out apiserver restarts without a watch to re-establish)
// and exits on SIGTERM. It talks plain HTTPS rather than loading @kubernetes/client-node, which
// keeps this always-on process at about half the memory.
import { randomUUID } from 'node:crypto';
import { Agent, request as httpsRequest } from 'node:https';
import YAML from 'yaml';
import type { ComponentState, LabComponent } from './component.ts';
import { REPO_ROOT } from './paths.ts';
import { isAlive, startDaemon, stopPid, waitFor } from './proc.ts';
import { dirname, join, resolve } from 'node:path';
import { existsSync, readFileSync, statSync } from 'node:fs';

export const LB_ID_ANNOTATION = 'kubernetes.digitalocean.com/load-balancer-id';
const LB_RANGE_PREFIX = '127.10';
/** Seconds a new balancer stays <pending> before getting its IP, like a (much faster) DO provisioning. */
const PROVISION_DELAY_MS = Number(process.env.SOCK_SHOP_LAB_LB_DELAY_MS ?? 1_000);

function ipFor(index: number): string {
  // index 0 → 127.10.0.1 ... 253 → 127.10.0.254, 254 → 127.10.1.1 ...
  return `${LB_RANGE_PREFIX}.${Math.floor(index / 254)}.${(index % 254) + 1}`;
}

function isLab(ip: string | undefined): boolean {
  return !!ip && ip.startsWith(`${LB_RANGE_PREFIX}.`);
}

/** Minimal Kubernetes REST access from a kubeconfig (the lab's: file paths or inline data). */
export class KubeRest {
  readonly agent: Agent;
  readonly server: URL;
  private token?: string;

  constructor(kubeconfigFile: string) {
    const kc = YAML.parse(readFileSync(kubeconfigFile, 'utf8'));
    const ctxName = kc['current-context'] ?? kc.contexts?.[0]?.name;
    const ctx = kc.contexts?.find((c: { name: string }) => c.name === ctxName)?.context ?? {};
    const cluster = kc.clusters?.find((c: { name: string }) => c.name === ctx.cluster)?.cluster ?? kc.clusters?.[0]?.cluster;
    const user = kc.users?.find((u: { name: string }) => u.name === ctx.user)?.user ?? kc.users?.[0]?.user ?? {};
    if (!cluster?.server) throw new Error(`${kubeconfigFile} names no cluster server`);
    const load = (data?: string, file?: string) =>
      data ? Buffer.from(data, 'base64') : file ? readFileSync(resolve(dirname(kubeconfigFile), file)) : undefined;
    this.server = new URL(cluster.server);
    this.token = user.token;
    this.agent = new Agent({
      keepAlive: true,
      ca: load(cluster['certificate-authority-data'], cluster['certificate-authority']),
      cert: load(user['client-certificate-data'], user['client-certificate']),
      key: load(user['client-key-data'], user['client-key']),
      rejectUnauthorized: !cluster['insecure-skip-tls-verify'],
    });
  }

  request<T = any>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolvePromise, reject) => {
      const req = httpsRequest(
        new URL(path, this.server),
        {
          method,
          agent: this.agent,
          timeout: 10_000,
          headers: {
            Accept: 'application/json',
            ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
            ...(payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if ((res.statusCode ?? 0) >= 300) reject(new Error(`${method} ${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`));
            else resolvePromise(text ? JSON.parse(text) : undefined);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timeout`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /**
   * A streaming GET (a watch: one JSON object per line). onLine gets each parsed line; the promise
   * settles when the server ends the stream or it fails. abort() ends it early.
   */
  stream(path: string, onLine: (obj: any) => void): { done: Promise<void>; abort(): void } {
    let abort = () => {};
    const done = new Promise<void>((resolvePromise, reject) => {
      const req = httpsRequest(
        new URL(path, this.server),
        { method: 'GET', agent: this.agent, headers: { Accept: 'application/json', ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}) } },
        (res) => {
          if ((res.statusCode ?? 0) >= 300) {
            res.resume();
            reject(new Error(`GET ${path}: HTTP ${res.statusCode}`));
            return;
          }
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl).trim();
              buf = buf.slice(nl + 1);
              if (!line) continue;
              try {
                onLine(JSON.parse(line));
              } catch (err) {
                req.destroy();
                reject(err);
                return;
              }
            }
          });
          res.on('end', () => resolvePromise());
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      abort = () => req.destroy();
      req.end();
    });
    return { done, abort: () => abort() };
  }
}

interface Service {
  metadata: { name: string; namespace: string; uid: string; annotations?: Record<string, string> };
  spec?: { type?: string };
  status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
}

export async function reconcileOnce(api: KubeRest, firstSeen: Map<string, number>, now = Date.now()): Promise<number> {
  const list = await api.request<{ items: Service[] }>('GET', '/api/v1/services');
  const used = new Set<string>();
  for (const svc of list.items) {
    for (const ing of svc.status?.loadBalancer?.ingress ?? []) if (isLab(ing.ip)) used.add(ing.ip!);
  }
  let changed = 0;
  for (const svc of list.items) {
    const { name, namespace, uid } = svc.metadata;
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(name)}`;
    const key = `${namespace}/${name}/${uid}`;
    const ingress = svc.status?.loadBalancer?.ingress ?? [];
    if (svc.spec?.type !== 'LoadBalancer') {
      // A Service switched away from LoadBalancer loses its balancer, as on DOKS.
      if (ingress.some((i) => isLab(i.ip))) {
        await api.request('PATCH', `${path}/status`, { status: { loadBalancer: { ingress: null } } }, 'application/merge-patch+json');
        changed++;
      }
      firstSeen.delete(key);
      continue;
    }
    if (ingress.length > 0) continue;
    if (!svc.metadata.annotations?.[LB_ID_ANNOTATION]) {
      await api.request('PATCH', path, { metadata: { annotations: { [LB_ID_ANNOTATION]: randomUUID() } } }, 'application/merge-patch+json');
      firstSeen.set(key, now);
      changed++;
      continue;
    }
    if (!firstSeen.has(key)) firstSeen.set(key, now);
    if (now - firstSeen.get(key)! < PROVISION_DELAY_MS) continue;
    let i = 0;
    while (used.has(ipFor(i))) i++;
    const ip = ipFor(i);
    used.add(ip);
    await api.request(
      'PATCH',
      `${path}/status`,
      { status: { loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } } },
      'application/merge-patch+json',
    );
    changed++;
  }
  return changed;
}

async function runController(kubeconfig: string): Promise<void> {
  const api = new KubeRest(kubeconfig);
  const firstSeen = new Map<string, number>();
  let stopping = false;
  process.on('SIGTERM', () => {
    stopping = true;
  });
  process.on('SIGINT', () => {
    stopping = true;
  });
  let lastError = '';
  console.log(`lb-controller: watching Services of type LoadBalancer (addresses ${LB_RANGE_PREFIX}.0.0/16)`);
  while (!stopping) {
    try {
      const n = await reconcileOnce(api, firstSeen);
      if (n) console.log(`lb-controller: ${n} change(s)`);
      if (lastError) console.log('lb-controller: apiserver reachable again');
      lastError = '';
    } catch (err) {
      // The apiserver may be down on purpose (fault tests): log once, keep trying.
      const msg = err instanceof Error ? err.message : String(err);
      if (msg !== lastError) console.log(`lb-controller: ${msg}`);
      lastError = msg;
    }
    await new Promise((r) => setTimeout(r, PROVISION_DELAY_MS > 0 ? Math.min(1_000, PROVISION_DELAY_MS) : 1_000));
  }
}

export const lbControllerComponent: LabComponent = {
  name: 'loadbalancer',
  async start(ctx) {
    const logFile = join(ctx.home, 'lb-controller.log');
    // Only this run's lines count as the readiness sign.
    const offset = existsSync(logFile) ? statSync(logFile).size : 0;
    const pid = startDaemon(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'lab', 'lb-controller.ts'), ctx.kubeconfig], {
      cwd: REPO_ROOT,
      logFile,
    });
    try {
      await waitFor(
        'the LoadBalancer controller',
        () => {
          if (!isAlive(pid)) throw new Error('it exited');
          return existsSync(logFile) && readFileSync(logFile).subarray(offset).toString('utf8').includes('lb-controller: watching');
        },
        30_000,
        logFile,
      );
    } catch (err) {
      await stopPid(pid);
      throw err;
    }
    const state: ComponentState = { pids: { 'lb-controller': pid }, urls: {}, addressRange: `${LB_RANGE_PREFIX}.0.0/16` };
    return state;
  },
  async stop(_ctx, state) {
    await stopPid(state?.pids['lb-controller']);
  },
};

if (import.meta.filename === process.argv[1]) {
  const kubeconfig = process.argv[2];
  if (!kubeconfig) {
    console.error('usage: lb-controller.ts <kubeconfig>');
    process.exit(2);
  }
  runController(kubeconfig).then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
