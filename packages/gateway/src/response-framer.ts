/**
 * @module Reads an upstream's HTTP/1.1 response as it streams in: rewrites its head (drops
 * hop-by-hop headers), then passes its body bytes through unchanged while tracking where the
 * response ends (Content-Length, chunked, or end of connection), so the connection can be reused.
 */
import { DROPPED_RESPONSE_HEADERS } from './decision.js';

const MAX_HEAD_BYTES = 64 * 1024;
const MAX_LINE_BYTES = 8 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;

export class FramingError extends Error {}

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-data-end' | 'trailers' | 'until-close' | 'done';

export class ResponseFramer {
  private state: State = 'head';
  private head: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private line = '';
  private lineBytes = 0;
  /** Whether the upstream connection may carry another request once this response is done. */
  reusable = true;
  /** Whether the client connection must be closed after this response. */
  closeClient: boolean;
  /** The final status code, once its head has been read. */
  status = 0;

  constructor(
    private readonly headRequest: boolean,
    clientAskedClose: boolean,
  ) {
    this.closeClient = clientAskedClose;
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /** True while the response ends only when the upstream closes. */
  get endsWithConnection(): boolean {
    return this.state === 'until-close';
  }

  /** Consumes bytes from the upstream and returns what to send to the client. */
  feed(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (this.state === 'done') {
        // Bytes after the end of the response: the connection is out of step; never reuse it.
        this.reusable = false;
        break;
      }
      if (this.state === 'head') {
        offset = this.readHead(chunk, offset, out);
        continue;
      }
      const start = offset;
      offset = this.readBody(chunk, offset);
      out.push(chunk.subarray(start, offset));
    }
    return out;
  }

  private readHead(chunk: Buffer, offset: number, out: Buffer[]): number {
    const previous = this.head.length;
    this.head = previous === 0 ? chunk.subarray(offset) : Buffer.concat([this.head, chunk.subarray(offset)]);
    const end = this.head.indexOf(HEAD_END, Math.max(0, previous - 3));
    if (end === -1) {
      if (this.head.length > MAX_HEAD_BYTES) throw new FramingError('response head too large');
      return chunk.length;
    }
    const consumed = end + 4 - previous;
    const text = this.head.toString('latin1', 0, end);
    this.head = Buffer.alloc(0);
    out.push(Buffer.from(this.rewriteHead(text), 'latin1'));
    return offset + consumed;
  }

  private rewriteHead(text: string): string {
    const lines = text.split('\r\n');
    const match = STATUS_LINE.exec(lines[0]!);
    if (!match) throw new FramingError('malformed status line');
    const status = Number(match[2]);
    if (match[1] === '0') this.reusable = false;
    let contentLength: string | undefined;
    let transferEncoding: string | undefined;
    const kept: string[] = [`HTTP/1.1 ${lines[0]!.slice(9)}`];
    for (let i = 1; i < lines.length; i += 1) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0) throw new FramingError('malformed response header');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (contentLength !== undefined && contentLength !== value) throw new FramingError('conflicting Content-Length');
        contentLength = value;
      } else if (name === 'transfer-encoding') {
        if (transferEncoding !== undefined) throw new FramingError('repeated Transfer-Encoding');
        transferEncoding = value.toLowerCase();
      } else if (name === 'connection' && /(^|,)\s*close\s*(,|$)/i.test(value)) {
        this.reusable = false;
      }
      if (!DROPPED_RESPONSE_HEADERS.has(name)) kept.push(line);
    }
    if (status >= 100 && status < 200) {
      // An interim response (e.g. 103 Early Hints): pass it on and read the final one.
      if (status === 101) throw new FramingError('unexpected protocol switch');
      return `${kept.join('\r\n')}\r\n\r\n`;
    }
    this.status = status;
    if (this.headRequest || status === 204 || status === 304) {
      this.state = 'done';
    } else if (transferEncoding !== undefined) {
      if (transferEncoding !== 'chunked') throw new FramingError(`unsupported Transfer-Encoding ${transferEncoding}`);
      this.state = 'chunk-size';
    } else if (contentLength !== undefined) {
      if (!/^\d{1,15}$/.test(contentLength)) throw new FramingError('malformed Content-Length');
      this.remaining = Number(contentLength);
      this.state = this.remaining === 0 ? 'done' : 'length';
    } else {
      this.state = 'until-close';
      this.reusable = false;
      this.closeClient = true;
    }
    if (this.closeClient) kept.push('connection: close');
    return `${kept.join('\r\n')}\r\n\r\n`;
  }

  /** Advances through body bytes; returns the offset after the bytes that belong to this response. */
  private readBody(chunk: Buffer, offset: number): number {
    switch (this.state) {
      case 'until-close':
        return chunk.length;
      case 'length':
      case 'chunk-data': {
        const take = Math.min(this.remaining, chunk.length - offset);
        this.remaining -= take;
        if (this.remaining === 0) {
          if (this.state === 'length') this.state = 'done';
          else {
            this.state = 'chunk-data-end';
            this.remaining = 2;
          }
        }
        return offset + take;
      }
      case 'chunk-data-end': {
        const expected = this.remaining === 2 ? 13 : 10;
        if (chunk[offset] !== expected) throw new FramingError('malformed chunk end');
        this.remaining -= 1;
        if (this.remaining === 0) this.state = 'chunk-size';
        return offset + 1;
      }
      case 'chunk-size':
      case 'trailers': {
        const newline = chunk.indexOf(10, offset);
        const end = newline === -1 ? chunk.length : newline + 1;
        this.lineBytes += end - offset;
        if (this.lineBytes > MAX_LINE_BYTES) throw new FramingError('chunk line too long');
        this.line += chunk.toString('latin1', offset, newline === -1 ? end : newline);
        if (newline === -1) return end;
        const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
        this.line = '';
        this.lineBytes = 0;
        if (this.state === 'trailers') {
          if (line === '') this.state = 'done';
          return end;
        }
        const size = line.split(';', 1)[0]!.trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw new FramingError('malformed chunk size');
        this.remaining = Number.parseInt(size, 16);
        this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
        return end;
      }
      default:
        throw new FramingError(`unexpected state ${this.state}`);
    }
  }
}
