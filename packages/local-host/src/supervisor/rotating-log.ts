/** @module A process log file capped by size and count: `<name>.log`, then `<name>.log.1` (newest) to `.log.<files - 1>`. */
import { closeSync, existsSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export interface LogRotation {
  /** Size at which the current file is rotated. @defaultValue 10 MiB */
  maxBytes: number;
  /** Files kept, the current one included. @defaultValue 5 */
  files: number;
  /** Output read from a program per second at most; a program that writes faster waits on its own writes. @defaultValue 4 MiB */
  bytesPerSecond: number;
}

export const DEFAULT_LOG_ROTATION: LogRotation = { maxBytes: 10 * 1024 * 1024, files: 5, bytesPerSecond: 4 * 1024 * 1024 };

/**
 * Written by the supervisor from the process's output pipe, so a program (a tenant's included) can
 * neither write past the cap nor touch its log files: at most `maxBytes × files` on disk per program.
 */
export class RotatingLog {
  private fd: number;
  private size: number;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly rotation: LogRotation = DEFAULT_LOG_ROTATION,
  ) {
    this.fd = openSync(path, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  write(chunk: Buffer): void {
    if (this.closed) return;
    let rest = chunk;
    while (rest.length > 0) {
      if (this.size >= this.rotation.maxBytes) this.rotate();
      const part = rest.subarray(0, this.rotation.maxBytes - this.size);
      writeSync(this.fd, part);
      this.size += part.length;
      rest = rest.subarray(part.length);
    }
  }

  /** Closing twice is a no-op (a process that could not be spawned reports both 'error' and 'close'). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private rotate(): void {
    closeSync(this.fd);
    const last = this.rotation.files - 1;
    if (last < 1) {
      rmSync(this.path, { force: true });
    } else {
      rmSync(`${this.path}.${last}`, { force: true });
      for (let i = last - 1; i >= 1; i--) if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      renameSync(this.path, `${this.path}.1`);
    }
    this.fd = openSync(this.path, 'a', 0o600);
    this.size = 0;
  }
}
