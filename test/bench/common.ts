// What the benchmark scripts share: their arguments, medians, the lab, and how they end.
import { labDown, labUp, readState, type LabState } from '../lab/lab.ts';

/** The number after `name` on the command line, or fallback. */
export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The word after `name` on the command line, or fallback. */
export function argText(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? String(process.argv[i + 1]) : fallback;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Runs a benchmark's main and exits 0, or prints its error and exits 1 (labs and pools would keep it alive). */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
}

/**
 * Brings the lab up for a benchmark and takes it down afterwards when the benchmark started it, so a
 * finished benchmark leaves no lab holding the loopback addresses a later lab or test run needs.
 */
export async function withLab<T>(run: (state: LabState) => Promise<T>): Promise<T> {
  const before = readState();
  const state = await labUp();
  try {
    return await run(state);
  } finally {
    if (!before) await labDown();
  }
}
