/**
 * @module Strict reading of a request head for the gateway's fast path. Only plain HTTP/1.1
 * requests qualify; anything else (another version, chunked or expect-continue uploads, upgrades,
 * any doubtful byte) returns undefined and is served by the complete path instead.
 */
import { isDroppedRequestHeader } from './decision.js';

export interface RequestHead {
  method: string;
  target: string;
  hosts: string[];
  /** Header lines to forward (hop-by-hop and client forwarding headers removed). */
  forwarded: string[];
  contentLength: number;
  /** The client asked to close the connection after this response. */
  close: boolean;
}

const REQUEST_LINE = /^([A-Z]{1,20}) (\/[!-~]*) HTTP\/1\.1$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Visible ASCII, space and tab; obs-text (0x80-0xff) is allowed in values as RFC 9110 permits.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const MAX_HEADERS = 100;

/** Parses the head (without its final blank line) decoded as latin1. */
export function readRequestHead(text: string): RequestHead | undefined {
  const lines = text.split('\r\n');
  const match = REQUEST_LINE.exec(lines[0]!);
  if (!match || lines.length - 1 > MAX_HEADERS) return undefined;
  const hosts: string[] = [];
  const forwarded: string[] = [];
  let contentLength: string | undefined;
  let close = false;
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const rawName = line.slice(0, colon);
    if (!HEADER_NAME.test(rawName)) return undefined;
    const value = line.slice(colon + 1).trim();
    if (!HEADER_VALUE.test(value)) return undefined;
    const name = rawName.toLowerCase();
    switch (name) {
      case 'host':
        hosts.push(value);
        break;
      case 'content-length':
        if (contentLength !== undefined || !/^\d{1,15}$/.test(value)) return undefined;
        contentLength = value;
        break;
      case 'transfer-encoding':
      case 'expect':
      case 'upgrade':
        return undefined;
      case 'connection':
        if (/(^|,)\s*upgrade\s*(,|$)/i.test(value)) return undefined;
        if (/(^|,)\s*close\s*(,|$)/i.test(value)) close = true;
        break;
    }
    if (!isDroppedRequestHeader(name)) forwarded.push(`${rawName}: ${value}`);
  }
  return { method: match[1]!, target: match[2]!, hosts, forwarded, contentLength: Number(contentLength ?? 0), close };
}
