/**
 * `--timing` (as ESLint's TIMING): where a run's time goes, printed to stderr. One recorder per process;
 * when it is off, `time()` and `add()` cost one branch, so the phases can be measured in every run.
 * Phases are summed over the run (a file's read, prefilter and parse are spread over the file loop).
 */
export class Timing {
  enabled = false;
  private readonly phases = new Map<string, number>();
  private readonly counters = new Map<string, number>();

  /** Adds `ms` to a phase (phases print in the order they were first seen). */
  add(phase: string, ms: number): void {
    if (this.enabled) this.phases.set(phase, (this.phases.get(phase) ?? 0) + ms);
  }

  /** Times a synchronous step. */
  time<T>(phase: string, step: () => T): T {
    if (!this.enabled) return step();
    const t = performance.now();
    try {
      return step();
    } finally {
      this.add(phase, performance.now() - t);
    }
  }

  /** Times an asynchronous step (its own awaits included). */
  async timeAsync<T>(phase: string, step: () => Promise<T>): Promise<T> {
    if (!this.enabled) return step();
    const t = performance.now();
    try {
      return await step();
    } finally {
      this.add(phase, performance.now() - t);
    }
  }

  /** Times a part of a phase, printed under it ("of which: ..."); the phase's own row includes it. */
  timePart<T>(phase: string, part: string, step: () => T): T {
    return this.time(`${phase}\0${part}`, step);
  }

  async timePartAsync<T>(phase: string, part: string, step: () => Promise<T>): Promise<T> {
    return this.timeAsync(`${phase}\0${part}`, step);
  }

  /** Off and empty again (main() may run several times in one process, e.g. in tests). */
  reset(): void {
    this.enabled = false;
    this.phases.clear();
    this.counters.clear();
  }

  count(counter: string, n = 1): void {
    if (this.enabled) this.counters.set(counter, (this.counters.get(counter) ?? 0) + n);
  }

  /** The table: phase, ms, share of the process's wall time so far; then the counters. */
  format(): string {
    const total = performance.now();
    const row = (label: string, ms: number) => `${label.padEnd(44)} ${ms.toFixed(1).padStart(9)} ${((100 * ms) / total).toFixed(1).padStart(6)}%`;
    const rows: string[] = [];
    for (const [phase, ms] of this.phases) {
      if (phase.includes('\0')) continue;
      rows.push(row(phase, ms));
      for (const [key, partMs] of this.phases) if (key.startsWith(`${phase}\0`)) rows.push(row(`  of which: ${key.slice(phase.length + 1)}`, partMs));
    }
    const counts = [...this.counters].map(([name, n]) => `${name.padEnd(44)} ${String(n).padStart(9)}`);
    return [
      `${'phase'.padEnd(44)} ${'ms'.padStart(9)} ${'share'.padStart(7)}`,
      ...rows,
      `${'process wall so far'.padEnd(44)} ${total.toFixed(1).padStart(9)}`,
      ...counts,
      '',
    ].join('\n');
  }
}

export const timing = new Timing();
