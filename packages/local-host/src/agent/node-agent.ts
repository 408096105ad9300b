/**
 * @module The node agent: the local stand-in for the Kubernetes API and kubelet. It runs
 * workloads through the supervisor, holds the gateway's routes and leases ports, persists all of
 * it, and serves it to the provisioning worker over a token-protected loopback API.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TenantryError, errorMessage, secretsEqual, type Logger } from '@tenantry/core';
import { portLeaseSchema, routeSpecSchema, workloadSpecSchema, type RouteSpec, type WorkloadSpecInput } from '@tenantry/driver-local';
import { routeHost, type RouteTable, type TenantActivity } from '@tenantry/gateway';
import { CrashLoopError, type Supervisor } from '../supervisor/supervisor.js';
import { AgentStateFile, type AgentStateData } from './agent-state.js';
import { PortLeases } from './port-leases.js';

export interface NodeAgentOptions {
  supervisor: Supervisor;
  routes: RouteTable;
  stateFile: string;
  token: string;
  portRange: { first: number; last: number };
  log: Logger;
  /** The gateway's record of each tenant's last real request, kept in the state file. */
  activity?: TenantActivity;
  /** How often that record is written to the state file (and on close). @defaultValue 60000 */
  activitySaveIntervalMs?: number;
}

export class NodeAgent {
  private readonly state: AgentStateData;
  private readonly store: AgentStateFile;
  readonly ports: PortLeases;
  private server: Server | undefined;
  private activitySaver: NodeJS.Timeout | undefined;
  /** The activity record's version last written to the state file. */
  private savedActivity: number | undefined;

  constructor(private readonly options: NodeAgentOptions) {
    this.store = new AgentStateFile(options.stateFile);
    this.state = this.store.read();
    this.ports = new PortLeases(this.state.ports, options.portRange);
    if (this.state.activity) options.activity?.restore(this.state.activity);
    if (options.activity) {
      // The whole state file is written only when a request came since it was last written.
      this.activitySaver = setInterval(() => {
        if (options.activity?.version !== this.savedActivity) this.save();
      }, options.activitySaveIntervalMs ?? 60_000);
      this.activitySaver.unref();
    }
  }

  /** Brings back the routes and workloads of the previous run (tenants that were running come back). */
  async restore(): Promise<number> {
    for (const [host, route] of Object.entries(this.state.routes)) this.options.routes.set({ host, ...route });
    const specs = Object.values(this.state.workloads).filter((spec) => !this.state.suspended.includes(spec.name));
    // Databases first, so pods find them when they start.
    const order = (layer: string | undefined) => (layer === 'database' ? 0 : 1);
    specs.sort((a, b) => order(a.labels.layer) - order(b.labels.layer));
    for (const spec of specs) await this.options.supervisor.apply(spec);
    return specs.length;
  }

  /** Applies a workload and records it as desired state. */
  async applyWorkload(input: WorkloadSpecInput, persist = true) {
    const spec = workloadSpecSchema.parse(input);
    const status = await this.options.supervisor.apply(spec);
    if (persist) {
      this.state.workloads[spec.name] = spec;
      this.state.suspended = this.state.suspended.filter((name) => name !== spec.name);
      this.save();
    }
    return status;
  }

  /** Stops a workload's processes and keeps its spec and ports (scaled to zero): a frozen tenant's. */
  async suspendWorkload(name: string): Promise<void> {
    if (!this.state.workloads[name]) throw new TenantryError('NOT_FOUND', 404, `no workload ${name}`);
    if (!this.state.suspended.includes(name)) {
      this.state.suspended.push(name);
      this.save();
    }
    await this.options.supervisor.remove(name);
  }

  /** Starts a suspended workload again from its kept spec; its status as it starts. */
  async resumeWorkload(name: string) {
    const spec = this.state.workloads[name];
    if (!spec) throw new TenantryError('NOT_FOUND', 404, `no workload ${name}`);
    return this.applyWorkload(spec);
  }

  waitReadyLocal(name: string, timeoutMs: number) {
    return this.options.supervisor.waitReady(name, timeoutMs);
  }

  async deleteWorkload(name: string): Promise<void> {
    await this.options.supervisor.remove(name);
    delete this.state.workloads[name];
    this.state.suspended = this.state.suspended.filter((n) => n !== name);
    this.ports.release(name);
    this.save();
  }

  putRoute(host: string, route: RouteSpec, persist = true): void {
    this.options.routes.set({ host, ...route });
    if (persist) {
      this.state.routes[host] = route;
      this.save();
    }
  }

  deleteRoute(host: string): void {
    const tenant = this.options.routes.get(routeHost(host))?.tenant;
    if (tenant) this.options.activity?.forget(tenant);
    this.options.routes.delete(host);
    delete this.state.routes[host];
    this.save();
  }

  async leasePorts(owner: string, names: string[]): Promise<Record<string, number>> {
    const ports = await this.ports.lease(owner, names);
    this.save();
    return ports;
  }

  private save(): void {
    this.state.activity = this.options.activity?.snapshot();
    this.savedActivity = this.options.activity?.version;
    this.store.write(this.state);
  }

  /** Serves the agent API on a random loopback port; returns its base URL. */
  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        const error = err instanceof TenantryError ? err : new TenantryError('AGENT_ERROR', 500, errorMessage(err));
        if (error.status >= 500) this.options.log.error({ err: errorMessage(err), url: req.url }, 'node agent request failed');
        send(res, error.status, error.toJSON());
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    clearInterval(this.activitySaver);
    const server = this.server;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // The master polls the agent over keep-alive connections (idle freezing, every second): one busy when
      // the close begins would keep it open as long as the master runs. A second is enough for a request to end.
      const cut = setTimeout(() => server.closeAllConnections(), 1000);
      await closed;
      clearTimeout(cut);
    }
    this.save();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !secretsEqual(auth.slice(7), this.options.token)) {
      throw new TenantryError('UNAUTHORIZED', 401, 'missing or wrong agent token');
    }
    const url = new URL(req.url ?? '/', 'http://agent');
    const [, version, kind, name, action] = url.pathname.split('/');
    // Each tenant's last real request through the gateway: what the master's idle freezing goes by.
    if (version === 'v1' && kind === 'activity' && !name && req.method === 'GET') {
      return send(res, 200, this.options.activity?.snapshot() ?? { since: new Date().toISOString(), tenants: {} });
    }
    if (version !== 'v1' || !kind || !name) throw new TenantryError('NOT_FOUND', 404, `no route ${req.method} ${url.pathname}`);
    const body = req.method === 'PUT' || req.method === 'POST' ? await readJson(req) : undefined;
    const { supervisor } = this.options;

    if (kind === 'workloads') {
      if (req.method === 'PUT' && !action) return send(res, 200, await this.applyWorkload(parse(workloadSpecSchema, { ...(body as object), name })));
      if (req.method === 'GET' && !action) {
        const status = supervisor.status(name);
        if (!status) throw new TenantryError('NOT_FOUND', 404, `workload ${name} does not exist`);
        return send(res, 200, status);
      }
      if (req.method === 'POST' && action === 'wait-ready') {
        const timeoutMs = Math.min(Number(url.searchParams.get('timeoutMs') ?? 30_000), 300_000);
        try {
          return send(res, 200, await supervisor.waitReady(name, timeoutMs, url.searchParams.get('serving') === '1'));
        } catch (err) {
          if (err instanceof CrashLoopError) throw new TenantryError('CRASH_LOOP', 409, err.message);
          throw new TenantryError('NOT_READY', 504, `${errorMessage(err)}; status: ${JSON.stringify(supervisor.status(name))}`);
        }
      }
      if (req.method === 'POST' && action === 'suspend') {
        await this.suspendWorkload(name);
        return send(res, 200, { suspended: name });
      }
      if (req.method === 'POST' && action === 'resume') return send(res, 200, await this.resumeWorkload(name));
      if (req.method === 'DELETE' && !action) {
        await this.deleteWorkload(name);
        return send(res, 200, { deleted: name });
      }
    }
    if (kind === 'routes') {
      if (req.method === 'GET') {
        // As the gateway holds it now (what it answers requests with), not as last stored.
        const route = this.options.routes.get(routeHost(name));
        if (!route) throw new TenantryError('NOT_FOUND', 404, `no route for ${name}`);
        const { tenant, state, upstreams } = route;
        return send(res, 200, { tenant, state, upstreams });
      }
      if (req.method === 'PUT') {
        this.putRoute(name, parse(routeSpecSchema, body));
        return send(res, 200, { host: name });
      }
      if (req.method === 'DELETE') {
        this.deleteRoute(name);
        return send(res, 200, { deleted: name });
      }
    }
    // Ports are released with the workload that owns them (DELETE /v1/workloads/:name).
    if (kind === 'ports' && req.method === 'POST') {
      return send(res, 200, { ports: await this.leasePorts(name, parse(portLeaseSchema, body).names) });
    }
    throw new TenantryError('NOT_FOUND', 404, `no route ${req.method} ${url.pathname}`);
  }
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } } }, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new TenantryError('INVALID_BODY', 400, result.error.message);
  return result.data;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new TenantryError('INVALID_JSON', 400, 'the body is not valid JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
