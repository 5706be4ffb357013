/**
 * The sandbox's limits as one container runs (sandbox.ts sets them at creation): the wall-clock
 * ceiling imgdiet enforces itself (the engine has none), and which limit ended or stalled the run,
 * in words for the probe's report.
 */
import type Dockerode from "dockerode";
import { limitSize, type ProbeLimits } from "./sandbox.js";

export class LimitWatch {
  private ceiling: NodeJS.Timeout | undefined;
  private ceilingHit = false;
  private pidsLimitHit = false;

  constructor(
    readonly limits: ProbeLimits,
    private readonly raw: Dockerode.Container,
  ) {}

  /** From start: call `kill` once the container has run for the ceiling, whatever its user waits for. */
  arm(kill: () => Promise<void>): void {
    if (this.ceiling) return;
    this.ceiling = setTimeout(() => {
      this.ceilingHit = true;
      void this.notePids()
        .then(kill)
        .catch(() => undefined);
    }, this.limits.maxSeconds * 1000);
    // The ceiling never keeps the process alive; a process that exits leaves the deadline label behind.
    this.ceiling.unref();
  }

  disarm(): void {
    clearTimeout(this.ceiling);
  }

  /** Before a stalled container is killed: whether it sits at its process limit (a fork bomb does). */
  async notePids(): Promise<void> {
    try {
      const stats = await this.raw.stats({ stream: false, "one-shot": true });
      if ((stats.pids_stats?.current ?? 0) >= this.limits.pids) this.pidsLimitHit = true;
    } catch {
      /* gone already: nothing to note */
    }
  }

  /** The limit that ended or stalled the run, in words; undefined when none did. */
  verdict(oomKilled: boolean): string | undefined {
    if (oomKilled) return `killed: out of memory (limit ${limitSize(this.limits.memoryBytes)})`;
    if (this.ceilingHit) return `killed: ran longer than the ${this.limits.maxSeconds} s ceiling (IMGDIET_PROBE_MAX_SECONDS)`;
    if (this.pidsLimitHit) return `reached the process limit (${this.limits.pids})`;
    return undefined;
  }
}
