// Pod CPU and memory from the metrics API (metrics.k8s.io, served by metrics-server), polled while
// someone is looking. Optional: when the API is absent the tree simply shows no usage.
import { Metrics, type KubeConfig, type PodMetricsList } from '@kubernetes/client-node';
import { parseCpu, parseMemory } from './format';
import type { PodUsage } from './model';

export function usageFromMetrics(list: Pick<PodMetricsList, 'items'>): PodUsage {
  const usage: PodUsage = new Map();
  for (const item of list.items ?? []) {
    let cpu = 0;
    let mem = 0;
    for (const c of item.containers ?? []) {
      const cpuV = parseCpu(c.usage?.cpu ?? '0');
      const memV = parseMemory(c.usage?.memory ?? '0');
      if (Number.isFinite(cpuV)) cpu += cpuV;
      if (Number.isFinite(memV)) mem += memV;
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
      const list = await this.metrics.getPodMetrics(this.opts.namespace);
      if (!this.running) return;
      this.available = true;
      this.opts.onUsage(usageFromMetrics(list));
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
