// The lab kubelet: a process runtime for pods bound to the lab's kwok nodes. For every pod whose
// containers all have images the lab implements (apps.ts: Sock Shop's services, databases and queue) it
// runs those containers as real servers bound to the pod's loopback-mapped IP (addresses.ts) on the
// image's own port and the declared container ports, and takes over what a kubelet does that chaos
// depends on:
//   - the container environment gets the Service variables of the pod's namespace (CATALOGUE_SERVICE_HOST…);
//   - readinessProbe (httpGet / tcpSocket) drives the containers' ready flags and the pod's Ready and
//     ContainersReady conditions; livenessProbe failures restart the container;
//   - a container that crashes (its server fails) is restarted with kubelet's back-off (10 s doubling to
//     5 min) and counted in restartCount; its previous log stays readable (`kubectl logs --previous`);
//   - on deletion: preStop (exec `sleep N` or httpGet), then SIGTERM-like shutdown (stop accepting, finish
//     in-flight requests with `Connection: close`), then a hard close at the grace period;
//   - each container's output (access logs) goes to <dir>/pods/<ns>_<pod>_<uid>/<container>/<restart>.log in
//     the CRI log format, served through kwok's Logs resource (kubectl logs, -f, --previous), and kwok's
//     Exec resource runs `kubectl exec` commands in the pod's directory;
//   - a container's "PID 1" is this runtime's server for it, not a process of the machine: `kubectl exec … --
//     kill 1` (what a chaos tool runs to kill a container without deleting its pod) reaches the lab's kill
//     shim (kill-shim.sh, first on kwok's PATH), which leaves a request in the pod's directory; the runtime
//     then ends that container as a kubelet sees a killed one (exit 143 for SIGTERM, 137 for SIGKILL) and
//     restarts it with the back-off, in the same pod.
// Pods with any other image stay simulated by kwok alone, as before.
//
// kwok and this runtime share the pods without fighting: kwok's pod-ready stage fires once (its selector
// needs `.status.podIP` unset) and gives the pod its IP and Running phase; this runtime waits for that IP,
// then owns the containers' statuses and the Ready conditions. kwok's pod-delete stage removes a deleted
// pod's object at once; the runtime then still runs preStop and the graceful shutdown on its sockets (the
// EndpointSlice drops the endpoint right away, as it marks a terminating one not ready in Kubernetes).
//
// Run as a lab daemon:  node --import tsx test/lab/dataplane/runtime.ts <kubeconfig> <dir>
import { createWriteStream, mkdirSync, readFileSync, unlinkSync, watch, type FSWatcher, type WriteStream } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, Server as NetServerClass, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { KubeRest } from '../lb-controller.ts';
import { labAddress, serviceEnv } from './addresses.ts';
import { createApp, imageRepo, knownImage, type AppInstance } from './apps.ts';
import { Informer, keyOf, type KObject } from './informer.ts';

type Pod = KObject & { spec: any; status?: any };
type Service = KObject & { spec: any };

export interface Probe {
  httpGet?: { path?: string; port: number | string; scheme?: string };
  tcpSocket?: { port: number | string };
  exec?: unknown;
  grpc?: unknown;
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

/** Kubernetes' defaults for a probe's timing. */
export function probeTiming(p: Probe): { initialDelayMs: number; periodMs: number; timeoutMs: number; success: number; failure: number } {
  return {
    initialDelayMs: (p.initialDelaySeconds ?? 0) * 1000,
    periodMs: (p.periodSeconds ?? 10) * 1000,
    timeoutMs: (p.timeoutSeconds ?? 1) * 1000,
    success: p.successThreshold ?? 1,
    failure: p.failureThreshold ?? 3,
  };
}

/** A probe's or handler's port: a number, or the name of one of the container's ports. */
export function resolvePort(port: number | string, ports: { name?: string; containerPort: number }[] = []): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const p = ports.find((x) => x.name === port);
  if (!p) throw new Error(`no container port named "${port}"`);
  return p.containerPort;
}

/** Seconds a preStop exec handler sleeps, for the `sleep N` forms manifests use (else undefined). */
export function preStopSleepSeconds(command: string[] | undefined): number | undefined {
  if (!command?.length) return undefined;
  const line = command.length >= 3 && /(^|\/)(ba)?sh$/.test(command[0]) && command[1] === '-c' ? command.slice(2).join(' ') : command.join(' ');
  const m = /^\s*(?:\/bin\/|\/usr\/bin\/)?sleep\s+(\d+(?:\.\d+)?)s?\s*$/.exec(line);
  return m ? Number(m[1]) : undefined;
}

/** kubelet's crash back-off: 10 s, doubling, at most 5 minutes. */
export function backoffMs(restarts: number): number {
  return Math.min(300_000, 10_000 * 2 ** Math.max(0, restarts - 1));
}

/** One CRI log line: `<RFC3339Nano> stdout F <text>`, the format kwok (like kubelet) reads. */
export function criLine(text: string, at = new Date(), stream: 'stdout' | 'stderr' = 'stdout'): string {
  return `${at.toISOString()} ${stream} F ${text}\n`;
}

export function podDir(dir: string, pod: { metadata: { namespace?: string; name: string; uid: string } }): string {
  return join(dir, 'pods', `${pod.metadata.namespace}_${pod.metadata.name}_${pod.metadata.uid}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The variable kwok's exec sets for the kill shim: the container a `kill 1` is for. */
export const KILL_CONTAINER_ENV = 'SOCK_SHOP_LAB_CONTAINER';
/** The kill shim's request file in the pod's directory: `.kill-<container>`, holding the signal. */
export const KILL_REQUEST_PREFIX = '.kill-';

/** Who holds each ip:port now: a terminating pod's listener until its SIGTERM, then the next pod (kwok reuses freed IPs at once). */
const bound = new Map<string, { released: Promise<void> }>();

class Container {
  restartCount = 0;
  ready = false;
  started = false;
  state: Record<string, unknown> = { waiting: { reason: 'ContainerCreating' } };
  lastState: Record<string, unknown> = {};
  private servers: { server: NetServer; key: string; release: () => void }[] = [];
  private sockets = new Set<Socket>();
  private draining = false;
  private log?: WriteStream;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private backingOff = false;

  constructor(
    readonly pod: PodRuntime,
    readonly spec: any,
  ) {}

  logFile(restart = this.restartCount): string {
    return join(podDir(this.pod.rt.dir, this.pod.pod), this.spec.name, `${restart}.log`);
  }

  write(line: string): void {
    this.log?.write(criLine(line));
  }

  private ports(app: AppInstance): number[] {
    const declared = (this.spec.ports ?? []).filter((p: any) => (p.protocol ?? 'TCP') === 'TCP').map((p: any) => p.containerPort as number);
    return [...new Set([...app.ports, ...declared])];
  }

  async start(): Promise<void> {
    if (this.stopped) return;
    mkdirSync(join(podDir(this.pod.rt.dir, this.pod.pod), this.spec.name), { recursive: true });
    this.log = createWriteStream(this.logFile(), { flags: 'a' });
    await this.pod.publishLogs();
    const ip = this.pod.ip;
    const env = this.pod.env(this.spec);
    const app = createApp(this.spec.image, {
      namespace: this.pod.namespace,
      pod: this.pod.name,
      env,
      log: (l) => this.write(l),
      store: (s) => this.pod.rt.store(this.pod.namespace, s),
      draining: () => this.draining,
    });
    this.draining = false;
    try {
      for (const port of this.ports(app)) {
        const key = `${ip}:${port}`;
        // A pod still terminating on this address (its IP was handed out again) releases it at SIGTERM.
        for (let holder = bound.get(key); holder; holder = bound.get(key)) await holder.released;
        if (this.stopped) break;
        let resolveReleased = () => {};
        const entry = { released: new Promise<void>((r) => (resolveReleased = r)) };
        bound.set(key, entry);
        const release = () => {
          if (bound.get(key) === entry) bound.delete(key);
          resolveReleased();
        };
        const server = app.server();
        server.on('connection', (s: Socket) => {
          this.sockets.add(s);
          s.on('close', () => this.sockets.delete(s));
        });
        this.servers.push({ server, key, release });
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ host: ip, port, exclusive: true }, () => {
            server.off('error', reject);
            server.on('error', (err) => this.crash(`server error: ${err.message}`));
            resolve();
          });
        });
      }
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'EACCES' ? `${e.message} (ports below 1024 need root or CAP_NET_BIND_SERVICE; run the lab as root)` : e.message;
      this.crash(`cannot listen: ${why}`);
      return;
    }
    if (this.stopped) {
      // Deleted while starting: stop() ran before these listeners existed.
      this.closeListeners();
      return;
    }
    const now = new Date().toISOString();
    this.state = { running: { startedAt: now } };
    this.started = true;
    this.write(`${imageRepo(this.spec.image)} listening on ${this.servers.map((s) => s.key).join(', ')}`);
    const readiness: Probe | undefined = this.spec.readinessProbe;
    if (readiness) this.runProbe(readiness, (ok) => this.setReady(ok));
    else this.setReady(true);
    if (this.spec.livenessProbe) this.runProbe(this.spec.livenessProbe, (ok) => !ok && this.crash('liveness probe failed', 137));
    this.pod.statusChanged();
  }

  private setReady(ok: boolean): void {
    if (this.ready === ok) return;
    this.ready = ok;
    this.pod.statusChanged();
  }

  private runProbe(p: Probe, onResult: (ok: boolean) => void): void {
    const t = probeTiming(p);
    let successes = 0;
    let failures = 0;
    let last: boolean | undefined;
    const tick = async () => {
      if (this.stopped || !this.started) return;
      const ok = await this.probe(p, t.timeoutMs);
      if (ok) {
        successes++;
        failures = 0;
      } else {
        failures++;
        successes = 0;
      }
      if (ok && successes >= t.success && last !== true) onResult((last = true));
      if (!ok && failures >= t.failure && last !== false) onResult((last = false));
      if (!this.stopped && this.started) this.timers.push(setTimeout(tick, t.periodMs));
    };
    this.timers.push(setTimeout(tick, t.initialDelayMs));
  }

  private probe(p: Probe, timeoutMs: number): Promise<boolean> {
    const ip = this.pod.ip;
    return new Promise((resolve) => {
      try {
        if (p.httpGet) {
          const req = httpRequest({ host: ip, port: resolvePort(p.httpGet.port, this.spec.ports), path: p.httpGet.path ?? '/', timeout: timeoutMs, headers: { 'User-Agent': 'kube-probe/1.33', Connection: 'close' } }, (res) => {
            res.resume();
            resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
          });
          req.on('timeout', () => req.destroy());
          req.on('error', () => resolve(false));
          req.end();
        } else if (p.tcpSocket) {
          const s = connect({ host: ip, port: resolvePort(p.tcpSocket.port, this.spec.ports), timeout: timeoutMs });
          s.on('connect', () => {
            s.destroy();
            resolve(true);
          });
          s.on('timeout', () => {
            s.destroy();
            resolve(false);
          });
          s.on('error', () => resolve(false));
        } else {
          // exec and grpc probes have nothing to run against here: they pass.
          resolve(true);
        }
      } catch {
        resolve(false);
      }
    });
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  /**
   * Stops listening. Connections stay: an idle keep-alive connection is closed after answering its next
   * request (`Connection: close` while draining), never while a request may be on its way to it — the
   * close-while-idle race a client cannot tell from a failure. (http.Server.close() would also close the
   * idle ones at once; net.Server's close only stops the listener.)
   */
  private closeListeners(): void {
    for (const s of this.servers) {
      NetServerClass.prototype.close.call(s.server);
      s.release();
    }
    this.servers = [];
  }

  /**
   * `kill 1` in the container: its process ends as a signalled one does (SIGKILL: at once; SIGTERM: the
   * servers stop without draining, as a process without a SIGTERM handler dies) and the kubelet restarts it.
   */
  kill(signal: string): void {
    if (this.stopped || !this.started) return;
    const sig = /^(-?9|-?KILL|-?SIGKILL)$/i.test(signal) ? 'SIGKILL' : 'SIGTERM';
    this.crash(`killed by ${sig} (kill 1 through exec)`, sig === 'SIGKILL' ? 137 : 143);
  }

  /** The container's process ended: record it, keep its log as the previous one, restart after back-off. */
  crash(reason: string, exitCode = 1): void {
    if (this.stopped || this.backingOff) return;
    this.backingOff = true;
    this.write(`container exited: ${reason}`);
    this.clearTimers();
    this.closeListeners();
    for (const s of this.sockets) s.destroy();
    this.started = false;
    this.ready = false;
    const finishedAt = new Date().toISOString();
    const startedAt = (this.state.running as { startedAt?: string } | undefined)?.startedAt ?? finishedAt;
    this.state = { terminated: { exitCode, reason: 'Error', message: reason, startedAt, finishedAt } };
    this.log?.end();
    this.pod.statusChanged();
    this.restartCount++;
    const wait = backoffMs(this.restartCount);
    this.timers.push(
      setTimeout(() => {
        if (this.stopped) return;
        this.backingOff = false;
        this.state = { waiting: { reason: 'ContainerCreating' } };
        void this.start();
      }, wait),
    );
    this.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${wait / 1000}s restarting failed container` } };
    this.lastState = { terminated: { exitCode, reason: 'Error', message: reason, startedAt, finishedAt } };
  }

  /** preStop, then SIGTERM (graceful close), then the hard close at the deadline. */
  async stop(deadline: number): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimers();
    const ps = this.spec.lifecycle?.preStop;
    const left = () => deadline - Date.now();
    if (ps && this.started && left() > 0) {
      const secs = preStopSleepSeconds(ps.exec?.command);
      if (secs !== undefined) {
        this.write(`preStop: sleep ${secs}`);
        await sleep(Math.min(secs * 1000, left()));
      } else if (ps.sleep?.seconds !== undefined) {
        await sleep(Math.min(ps.sleep.seconds * 1000, left()));
      } else if (ps.httpGet) {
        await this.probe({ httpGet: ps.httpGet }, Math.max(1, left()));
      } else if (ps.exec) {
        this.write(`preStop exec ${JSON.stringify(ps.exec.command)}: only sleep runs in the lab; skipped`);
      }
    }
    this.write('received SIGTERM: closing listeners, finishing in-flight requests');
    this.draining = true;
    this.closeListeners();
    while (this.sockets.size && left() > 0) await sleep(Math.min(100, left()));
    if (this.sockets.size) this.write(`grace period over: closing ${this.sockets.size} connection(s)`);
    for (const s of this.sockets) s.destroy();
    this.started = false;
    this.log?.end();
  }
}

class PodRuntime {
  readonly containers: Container[];
  ip: string;
  private patching: Promise<void> = Promise.resolve();
  private pending = false;
  terminating = false;

  constructor(
    readonly rt: Runtime,
    public pod: Pod,
  ) {
    this.ip = labAddress(pod.status.podIP);
    this.containers = pod.spec.containers.map((c: any) => new Container(this, c));
  }

  get namespace(): string {
    return this.pod.metadata.namespace!;
  }
  get name(): string {
    return this.pod.metadata.name;
  }

  /** The container's environment: its literal env values plus the namespace's Service variables. */
  env(spec: any): Record<string, string> {
    const services = [...this.rt.services.cache.values()].filter((s) => s.metadata.namespace === this.namespace);
    const env: Record<string, string> = {
      HOSTNAME: this.name,
      ...(this.pod.spec.enableServiceLinks === false ? {} : serviceEnv(services.map((s) => ({ name: s.metadata.name, clusterIP: s.spec.clusterIP, ports: s.spec.ports ?? [] })))),
    };
    // The API server's own Service is always there, as in every pod.
    const k = [...this.rt.services.cache.values()].find((s) => s.metadata.namespace === 'default' && s.metadata.name === 'kubernetes');
    if (k) Object.assign(env, serviceEnv([{ name: 'kubernetes', clusterIP: k.spec.clusterIP, ports: k.spec.ports ?? [] }]));
    for (const e of spec.env ?? []) if (typeof e.value === 'string') env[e.name] = e.value;
    return env;
  }

  start(): void {
    for (const c of this.containers) void c.start();
    this.statusChanged();
    this.watchKills();
  }

  private killWatch?: FSWatcher;

  /** Kill requests the kill shim leaves in the pod's directory (`.kill-<container>` holding the signal). */
  private watchKills(): void {
    const dir = podDir(this.rt.dir, this.pod);
    mkdirSync(dir, { recursive: true });
    const take = () => {
      for (const c of this.containers) {
        const f = join(dir, `${KILL_REQUEST_PREFIX}${c.spec.name}`);
        let signal: string;
        try {
          signal = readFileSync(f, 'utf8').trim();
          unlinkSync(f);
        } catch {
          continue;
        }
        c.kill(signal);
      }
    };
    try {
      this.killWatch = watch(dir, (_e, name) => {
        if (typeof name === 'string' && name.startsWith(KILL_REQUEST_PREFIX)) take();
      });
    } catch (err) {
      this.rt.log(`${keyOf(this.pod)}: cannot watch for kill requests: ${(err as Error).message}`);
    }
  }

  stopWatching(): void {
    this.killWatch?.close();
    this.killWatch = undefined;
  }

  /** Publishes the containers' log files (and exec's working directory) through kwok's Logs and Exec resources. */
  async publishLogs(): Promise<void> {
    const ns = encodeURIComponent(this.namespace);
    const owner = [{ apiVersion: 'v1', kind: 'Pod', name: this.name, uid: this.pod.metadata.uid }];
    const logs = {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Logs',
      metadata: { name: this.name, namespace: this.namespace, ownerReferences: owner },
      spec: {
        logs: this.containers.map((c) => ({
          containers: [c.spec.name],
          logsFile: c.logFile(),
          previousLogsFile: c.logFile(Math.max(0, c.restartCount - 1)),
          follow: true,
        })),
      },
    };
    // One exec target per container: the kill shim needs to know whose "PID 1" a `kill 1` means.
    const exec = {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'Exec',
      metadata: { name: this.name, namespace: this.namespace, ownerReferences: owner },
      spec: {
        execs: this.containers.map((c) => ({
          containers: [c.spec.name],
          local: {
            workDir: podDir(this.rt.dir, this.pod),
            envs: [
              { name: 'HOSTNAME', value: this.name },
              { name: KILL_CONTAINER_ENV, value: c.spec.name },
            ],
          },
        })),
      },
    };
    const apply = (plural: string, body: unknown) =>
      this.rt.api
        .request('PATCH', `/apis/kwok.x-k8s.io/v1alpha1/namespaces/${ns}/${plural}/${encodeURIComponent(this.name)}?fieldManager=lab-kubelet&force=true`, body, 'application/apply-patch+yaml')
        .catch((err: Error) => this.rt.log(`${keyOf(this.pod)}: ${plural}: ${err.message}`));
    // Port-forward through the apiserver (kubectl port-forward pod/…, the extension's Port-Forward) reaches the
    // pod's own sockets on its loopback-mapped IP.
    const ports = [...new Set(this.containers.flatMap((c) => (c.spec.ports ?? []).map((p: { containerPort: number }) => p.containerPort)))];
    const portForward = {
      apiVersion: 'kwok.x-k8s.io/v1alpha1',
      kind: 'PortForward',
      metadata: { name: this.name, namespace: this.namespace, ownerReferences: owner },
      spec: { forwards: ports.map((port) => ({ ports: [port], target: { address: this.ip, port } })) },
    };
    await Promise.all([apply('logs', logs), apply('execs', exec), ...(ports.length ? [apply('portforwards', portForward)] : [])]);
  }

  /** Patches the pod's status (serialised; coalesced while one is in flight). */
  statusChanged(): void {
    if (this.terminating) return;
    if (this.pending) return;
    this.pending = true;
    this.patching = this.patching.then(async () => {
      this.pending = false;
      if (this.terminating) return;
      const now = new Date().toISOString();
      const allReady = this.containers.every((c) => c.ready);
      const cond = (type: string) => ({
        type,
        status: allReady ? 'True' : 'False',
        lastTransitionTime: now,
        ...(allReady ? {} : { reason: 'ContainersNotReady', message: `containers with unready status: [${this.containers.filter((c) => !c.ready).map((c) => c.spec.name).join(' ')}]` }),
      });
      const prev = (this.pod.status?.conditions ?? []) as { type: string; status: string; lastTransitionTime?: string }[];
      const keep = (c: { type: string; status: string; lastTransitionTime: string }) => {
        const p = prev.find((x) => x.type === c.type);
        return p && p.status === c.status ? { ...c, lastTransitionTime: p.lastTransitionTime ?? now } : c;
      };
      const body = {
        status: {
          conditions: [keep(cond('Ready')), keep(cond('ContainersReady'))],
          containerStatuses: this.containers.map((c) => ({
            name: c.spec.name,
            image: c.spec.image,
            imageID: `lab://${imageRepo(c.spec.image)}`,
            containerID: `lab://${this.pod.metadata.uid}/${c.spec.name}/${c.restartCount}`,
            ready: c.ready,
            started: c.started,
            restartCount: c.restartCount,
            state: c.state,
            lastState: c.lastState,
          })),
        },
      };
      try {
        const updated = await this.rt.api.request<Pod>(
          'PATCH',
          `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods/${encodeURIComponent(this.name)}/status`,
          body,
          'application/strategic-merge-patch+json',
        );
        if (updated) this.pod = updated;
      } catch (err) {
        if (!/HTTP 404/.test((err as Error).message)) this.rt.log(`${keyOf(this.pod)}: status: ${(err as Error).message}`);
      }
    });
  }

  async terminate(pod: Pod): Promise<void> {
    if (this.terminating) return;
    this.terminating = true;
    this.stopWatching();
    const grace = Number(pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30);
    const deadline = Date.now() + grace * 1000;
    await Promise.all(this.containers.map((c) => c.stop(deadline)));
  }
}

export class Runtime {
  readonly api: KubeRest;
  readonly pods = new Map<string, PodRuntime>();
  readonly services: Informer<Service>;
  private readonly podInformer: Informer<Pod>;
  private readonly stores = new Map<string, Map<string, any>>();

  constructor(
    kubeconfig: string,
    readonly dir: string,
    readonly log: (m: string) => void = (m) => console.log(`lab-kubelet: ${m}`),
  ) {
    this.api = new KubeRest(kubeconfig);
    this.services = new Informer<Service>(this.api, '/api/v1/services', () => {}, log);
    this.podInformer = new Informer<Pod>(this.api, '/api/v1/pods', (c) => (c.type === 'delete' ? this.onDelete(c.obj) : this.onPod(c.obj)), log);
  }

  store(namespace: string, service: string): Map<string, any> {
    const k = `${namespace}/${service}`;
    let s = this.stores.get(k);
    if (!s) this.stores.set(k, (s = new Map()));
    return s;
  }

  /** True for pods this runtime runs: on a node, not host-network, every container's image known. */
  static runs(pod: Pod): boolean {
    return !!pod.spec?.nodeName && !pod.spec.hostNetwork && (pod.spec.containers ?? []).every((c: any) => knownImage(c.image)) && !(pod.spec.initContainers ?? []).length;
  }

  private onPod(pod: Pod): void {
    const uid = pod.metadata.uid;
    const running = this.pods.get(uid);
    if (running) {
      running.pod = pod;
      if (pod.metadata.deletionTimestamp) void this.stopPod(uid, pod);
      return;
    }
    if (pod.metadata.deletionTimestamp || !Runtime.runs(pod) || !pod.status?.podIP) return;
    if (['Succeeded', 'Failed'].includes(pod.status?.phase)) return;
    let pr: PodRuntime;
    try {
      pr = new PodRuntime(this, pod);
    } catch (err) {
      this.log(`${keyOf(pod)}: ${(err as Error).message}`);
      return;
    }
    this.pods.set(uid, pr);
    // The Services must be known before the environment is built (kubelet waits for its informer too).
    const go = () => (this.services.synced ? pr.start() : setTimeout(go, 100));
    go();
  }

  private onDelete(pod: Pod): void {
    if (this.pods.has(pod.metadata.uid)) void this.stopPod(pod.metadata.uid, pod);
  }

  private async stopPod(uid: string, pod: Pod): Promise<void> {
    const pr = this.pods.get(uid);
    if (!pr || pr.terminating) return;
    await pr.terminate(pod);
    this.pods.delete(uid);
  }

  async run(): Promise<void> {
    void this.services.run();
    await this.podInformer.run();
  }

  async shutdown(): Promise<void> {
    this.podInformer.stop();
    this.services.stop();
    await Promise.all([...this.pods.values()].map((p) => p.terminate({ ...p.pod, metadata: { ...p.pod.metadata, deletionGracePeriodSeconds: 1 } })));
  }
}

if (import.meta.filename === process.argv[1]) {
  const [kubeconfig, dir] = process.argv.slice(2);
  if (!kubeconfig || !dir) {
    console.error('usage: runtime.ts <kubeconfig> <dir>');
    process.exit(2);
  }
  mkdirSync(dir, { recursive: true });
  const rt = new Runtime(kubeconfig, dir);
  const stop = () => void rt.shutdown().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  console.log(`lab-kubelet: running pods of known images on loopback (logs in ${dir})`);
  rt.run().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
