/** @module Test support for the gateway's tests (not exported by the package). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real upstream on a free loopback port that answers "ok" once it has the whole request body. */
export async function startOkUpstream(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}
