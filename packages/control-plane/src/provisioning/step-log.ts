/** @module A step's log writer: what a step reports, appended to the catalog in the order reported. */
import { errorMessage, type Logger } from '@tenantry/core';
import { STEP_LOG_MAX_LINES, stepLogLines, type StepLogSink } from '../catalog/step-logs.js';

/**
 * Writing a line is synchronous and never throws, so a step (or a driver streaming a command's
 * output) calls it as it goes. Appends run one at a time, so lines reach the catalog in the order
 * written whichever pool connection each append gets; lines written while an append is in flight go
 * together in the next one. A failed append is a warning in the log, never an error in the step.
 */
export class StepLogWriter {
  private pending: { line: string; at: Date }[] = [];
  private dropped = 0;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly sink: StepLogSink,
    private readonly slug: string,
    private readonly step: string,
    private readonly log: Logger,
  ) {}

  write(message: string): void {
    const at = new Date();
    for (const line of stepLogLines(String(message))) this.pending.push({ line, at });
    // Waiting lines beyond the cap would be deleted as soon as they were written: drop them now.
    const over = this.pending.length - STEP_LOG_MAX_LINES;
    if (over > 0) {
      this.pending.splice(0, over);
      this.dropped += over;
    }
    this.writing ??= this.drain();
  }

  /** Resolves once every line written so far is in the catalog (or its append failed and was logged). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const lines = this.pending;
      const dropped = this.dropped;
      this.pending = [];
      this.dropped = 0;
      try {
        await this.sink.append(this.slug, this.step, lines, dropped);
      } catch (err) {
        this.log.warn({ tenant: this.slug, step: this.step, lines: lines.length, err: errorMessage(err) }, 'could not record progress');
      }
    }
    this.writing = undefined;
  }
}
