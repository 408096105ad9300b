/**
 * A MOCK of the RDS API, for tests only: no real RDS can run here. It answers the three calls the driver makes
 * (DescribeDBInstances, StopDBInstance, StartDBInstance) in RDS's query protocol (form-encoded POST, XML answers,
 * RDS's error codes), for instances the test adds, and moves each through RDS's states: `stopping` then `stopped`,
 * `starting` then `available`, each transition after `transitionMs` (minutes on AWS). It checks no signature.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockRds {
  /** The endpoint to give the RDS client. */
  endpoint: string;
  /** Credentials the client needs to sign with (not checked). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  add(id: string, status?: string): void;
  status(id: string): string | undefined;
  /** Every Stop and Start call so far, e.g. `StopDBInstance tenantry-bravo`. */
  calls(): string[];
  stop(): Promise<void>;
}

const XMLNS = 'http://rds.amazonaws.com/doc/2014-10-31/';

export async function startMockRds(options: { transitionMs?: number } = {}): Promise<MockRds> {
  const transitionMs = options.transitionMs ?? 200;
  const instances = new Map<string, string>();
  const calls: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const moveLater = (id: string, to: string) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (instances.has(id)) instances.set(id, to);
    }, transitionMs);
    timers.add(timer);
  };
  const instanceXml = (id: string) =>
    `<DBInstance><DBInstanceIdentifier>${id}</DBInstanceIdentifier><DBInstanceStatus>${instances.get(id)}</DBInstanceStatus><Engine>postgres</Engine></DBInstance>`;
  const ok = (action: string, result: string) =>
    `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>mock</RequestId></ResponseMetadata></${action}Response>`;
  const error = (code: string, message: string) =>
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>mock</RequestId></ErrorResponse>`;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      const action = form.get('Action') ?? '';
      const id = form.get('DBInstanceIdentifier') ?? '';
      const answer = (status: number, xml: string) => {
        res.writeHead(status, { 'content-type': 'text/xml' });
        res.end(xml);
      };
      if (!instances.has(id)) return answer(404, error('DBInstanceNotFound', `DBInstance ${id} not found.`));
      const status = instances.get(id)!;
      switch (action) {
        case 'DescribeDBInstances':
          return answer(200, ok(action, `<DBInstances>${instanceXml(id)}</DBInstances>`));
        case 'StopDBInstance':
          calls.push(`${action} ${id}`);
          if (status !== 'available') return answer(400, error('InvalidDBInstanceState', `Instance ${id} is not in available state.`));
          instances.set(id, 'stopping');
          moveLater(id, 'stopped');
          return answer(200, ok(action, instanceXml(id)));
        case 'StartDBInstance':
          calls.push(`${action} ${id}`);
          if (status !== 'stopped') return answer(400, error('InvalidDBInstanceState', `Instance ${id} is not stopped, it is ${status}.`));
          instances.set(id, 'starting');
          moveLater(id, 'available');
          return answer(200, ok(action, instanceXml(id)));
        default:
          return answer(400, error('InvalidAction', `the mock RDS does not answer ${action}`));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'AKIAMOCKRDS', secretAccessKey: 'mock-rds-secret' },
    add: (id, status = 'available') => void instances.set(id, status),
    status: (id) => instances.get(id),
    calls: () => [...calls],
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
