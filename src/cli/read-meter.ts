/**
 * Progress of a long read or write on a terminal, as people expect it from docker pull or curl: a bar
 * (of the bytes when their total is known, as for a copy's blobs, else of the layers read), the bytes
 * so far and the rate. Nothing when stderr is not a terminal or with --quiet; redrawn at most ten
 * times a second.
 */
import { humanSize } from "../units.js";

const WIDTH = 24;
const REDRAW_MS = 100;

export class ReadMeter {
  private done = 0;
  private total = 0;
  private bytes = 0;
  private totalBytes = 0;
  private readonly started = Date.now();
  private drawnAt = 0;

  constructor(private label: string) {}

  /** Start reading something else (diff's second image, check's baseline); the totals go on. */
  relabel(label: string): void {
    this.label = label;
    this.done = 0;
    this.total = 0;
    this.draw(true);
  }

  /** The bytes the whole job will move (a copy's layer blobs): the bar then follows the bytes. */
  expectBytes(total: number): void {
    this.totalBytes = total;
    this.draw(true);
  }

  readonly layer = (done: number, total: number): void => {
    this.done = done;
    this.total = total;
    this.draw(true);
  };

  readonly onBytes = (n: number): void => {
    this.bytes += n;
    this.draw(false);
  };

  end(): void {
    process.stderr.write("\r\x1b[K");
  }

  private draw(always: boolean): void {
    const now = Date.now();
    if (!always && now - this.drawnAt < REDRAW_MS) return;
    this.drawnAt = now;
    const fraction = this.totalBytes ? Math.min(1, this.bytes / this.totalBytes) : this.total ? this.done / this.total : 0;
    const filled = Math.round(fraction * WIDTH);
    const bar = "█".repeat(filled) + "░".repeat(WIDTH - filled);
    const seconds = Math.max(0.001, (now - this.started) / 1000);
    const what = this.totalBytes
      ? `${humanSize(this.bytes)} / ${humanSize(this.totalBytes)}`
      : `${this.total ? `${this.done}/${this.total} layers` : "layers…"}  ${humanSize(this.bytes)}`;
    process.stderr.write(`\r\x1b[K${this.label} ${bar} ${what}  ${humanSize(this.bytes / seconds)}/s`);
  }
}

/** A meter for a read or write, or undefined when progress is not shown (--quiet, or stderr not a terminal). */
export function readMeter(quiet: boolean | undefined, label: string): ReadMeter | undefined {
  return quiet || !process.stderr.isTTY ? undefined : new ReadMeter(label);
}
