/** @module Caps how fast the supervisor reads a program's output, so a program that writes without end slows itself, not the platform. */
import type { Readable } from 'node:stream';

/**
 * Counts the bytes read from a program's pipes per second; once the budget is spent the pipes are
 * paused until the second is over. The program then blocks on its own writes (a full pipe) while the
 * platform process, which also runs the gateway, spends nothing on it.
 */
export class OutputBudget {
  private windowStart = Date.now();
  private spent = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly pipes: readonly Readable[],
  ) {}

  spend(bytes: number): void {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.spent = 0;
    }
    this.spent += bytes;
    if (this.spent < this.bytesPerSecond || this.timer || this.stopped) return;
    for (const pipe of this.pipes) pipe.pause();
    this.timer = setTimeout(() => this.resume(), this.windowStart + 1000 - now);
  }

  /** Resumes the pipes now: the program has ended, its last output must be read so its pipes close. */
  stop(): void {
    this.stopped = true;
    if (this.timer) this.resume();
  }

  private resume(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.windowStart = Date.now();
    this.spent = 0;
    for (const pipe of this.pipes) pipe.resume();
  }
}
