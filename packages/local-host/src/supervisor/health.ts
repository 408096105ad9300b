/** @module One-shot health probes over loopback. */
import { request } from 'node:http';
import { connect } from 'node:net';
import type { HealthCheck } from '@tenantry/driver-local';

const PROBE_TIMEOUT_MS = 1000;

export function probe(check: HealthCheck): Promise<boolean> {
  return check.kind === 'http' ? probeHttp(check.port, check.path) : probeTcp(check.port);
}

function probeHttp(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: PROBE_TIMEOUT_MS, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function probeTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: PROBE_TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
