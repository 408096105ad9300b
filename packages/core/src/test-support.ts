/** @module Helpers for tests of the platform's HTTP servers: requests written byte for byte, as a client that breaks the rules would. */
import { connect } from 'node:net';

/**
 * Sends one request head (its lines, each ending in CRLF, without the blank line) on a new
 * connection to 127.0.0.1:`port`, with `Connection: close`; resolves with everything the server
 * sent before it closed.
 */
export function rawHttpExchange(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString('latin1')));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.write(`${head}Connection: close\r\n\r\n`);
  });
}
