/** @module A fixed number of slots: work beyond them waits, first come first served. */

/** Gives a taken slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

/**
 * At most `size` holders at once; `take` resolves, in the order asked, once a slot is free. A holder may give
 * its slot back before its work ends (once the part that needed it is done).
 */
export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!(size >= 1)) throw new RangeError(`a number of slots must be at least 1, not ${size}`);
    this.free = size;
  }

  async take(): Promise<ReleaseSlot> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    };
  }
}
