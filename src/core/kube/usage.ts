// Pod and node CPU and memory from the metrics API (metrics.k8s.io, served by metrics-server), polled while
// someone is looking. Optional: when the API is absent the tree simply shows no usage.
import { Metrics, type KubeConfig, type NodeMetricsList, type PodMetricsList } from '@kubernetes/client-node';
import { cpuAndMemory } from './format';
import type { NodeUsage, PodUsage } from './model';

/** Node usage from a NodeMetricsList (kubectl top nodes' numbers). */
export function nodeUsageFromMetrics(list: Pick<NodeMetricsList, 'items'>): NodeUsage {
  const usage: NodeUsage = new Map();
  for (const item of list.items ?? []) usage.set(item.metadata.name, cpuAndMemory(item.usage));
  return usage;
}

export function usageFromMetrics(list: Pick<PodMetricsList, 'items'>): PodUsage {
  const usage: PodUsage = new Map();
  for (const item of list.items ?? []) {
    let cpu = 0;
    let mem = 0;
    for (const c of item.containers ?? []) {
      const u = cpuAndMemory(c.usage);
      cpu += u.cpuMilli;
      mem += u.memoryBytes;
    }
    usage.set(`${item.metadata.namespace}/${item.metadata.name}`, { cpuMilli: cpu, memoryBytes: mem });
  }
  return usage;
}

export interface UsagePollerOptions {
  namespace?: string;
  intervalMs?: number;
  /** Interval while the metrics API is absent or failing. */
  absentIntervalMs?: number;
  onUsage: (usage: PodUsage | undefined) => void;
  /** Node usage with each poll (undefined when node metrics are not available, e.g. not allowed). */
  onNodeUsage?: (usage: NodeUsage | undefined) => void;
  /** Called when a poll fails (metrics API absent, forbidden, unreachable). */
  onError?: (err: unknown) => void;
}

export class UsagePoller {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly metrics: Metrics;
  /** True once the metrics API has answered. */
  available = false;

  constructor(
    kc: KubeConfig,
    private readonly opts: UsagePollerOptions,
  ) {
    this.metrics = new Metrics(kc);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.tick();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    let next = this.opts.intervalMs ?? 10_000;
    try {
      const nodes = this.opts.onNodeUsage ? this.metrics.getNodeMetrics().then(nodeUsageFromMetrics, () => undefined) : undefined;
      const list = await this.metrics.getPodMetrics(this.opts.namespace);
      if (!this.running) return;
      this.available = true;
      this.opts.onUsage(usageFromMetrics(list));
      if (nodes) {
        const n = await nodes;
        if (this.running) this.opts.onNodeUsage?.(n);
      }
    } catch (err) {
      if (!this.running) return;
      this.opts.onError?.(err);
      if (this.available) this.opts.onUsage(undefined);
      this.available = false;
      next = this.opts.absentIntervalMs ?? 30_000;
    }
    this.timer = setTimeout(() => void this.tick(), next);
  }
}
