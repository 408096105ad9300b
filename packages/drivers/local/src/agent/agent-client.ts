/** @module Client of the node agent's loopback API (the local stand-in for the Kubernetes API). */
import type { RouteSpec, WorkloadSpecInput, WorkloadStatus } from './protocol.js';

export class AgentError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

export class AgentClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  applyWorkload(spec: WorkloadSpecInput): Promise<WorkloadStatus> {
    return this.call('PUT', `/v1/workloads/${spec.name}`, spec);
  }

  waitWorkloadReady(name: string, timeoutMs: number): Promise<WorkloadStatus> {
    return this.call('POST', `/v1/workloads/${name}/wait-ready?timeoutMs=${timeoutMs}`);
  }

  /** Resolves once the workload serves: its processes not marked startLater passed their health check. */
  waitWorkloadServing(name: string, timeoutMs: number): Promise<WorkloadStatus> {
    return this.call('POST', `/v1/workloads/${name}/wait-ready?timeoutMs=${timeoutMs}&serving=1`);
  }

  /** The workload's status as the supervisor sees it now, or undefined when the agent runs no such workload. */
  workloadStatus(name: string): Promise<WorkloadStatus | undefined> {
    return this.orAbsent(this.call('GET', `/v1/workloads/${name}`));
  }

  /** Stops a workload's processes, keeping its spec and ports (a frozen tenant's); 404 when absent. */
  async suspendWorkload(name: string): Promise<void> {
    await this.call('POST', `/v1/workloads/${name}/suspend`);
  }

  /** Starts a suspended workload again from its kept spec. */
  resumeWorkload(name: string): Promise<WorkloadStatus> {
    return this.call('POST', `/v1/workloads/${name}/resume`);
  }

  /** Stops and forgets a workload and frees the ports leased to it; a no-op when absent. */
  async deleteWorkload(name: string): Promise<void> {
    await this.call('DELETE', `/v1/workloads/${name}`);
  }

  /** Ports leased to `owner`, one per name; asking again returns the same ports. */
  async leasePorts(owner: string, names: string[]): Promise<Record<string, number>> {
    const { ports } = await this.call<{ ports: Record<string, number> }>('POST', `/v1/ports/${owner}`, { names });
    return ports;
  }

  async putRoute(host: string, route: RouteSpec): Promise<void> {
    await this.call('PUT', `/v1/routes/${host}`, route);
  }

  async deleteRoute(host: string): Promise<void> {
    await this.call('DELETE', `/v1/routes/${host}`);
  }

  /** Each tenant's last real request through the gateway (probes not counted), and since when the gateway has seen every request. */
  async activity(): Promise<{ since: Date; requests: Map<string, Date> }> {
    const { since, tenants } = await this.call<{ since: string; tenants: Record<string, string> }>('GET', '/v1/activity');
    return { since: new Date(since), requests: new Map(Object.entries(tenants).map(([tenant, at]) => [tenant, new Date(at)])) };
  }

  /** The route the gateway holds for `host` now, or undefined when it has none. */
  route(host: string): Promise<RouteSpec | undefined> {
    return this.orAbsent(this.call('GET', `/v1/routes/${host}`));
  }

  private async orAbsent<T>(answer: Promise<T>): Promise<T | undefined> {
    try {
      return await answer;
    } catch (err) {
      if (err instanceof AgentError && err.status === 404) return undefined;
      throw err;
    }
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const message = (json as { error?: { message?: string } } | undefined)?.error?.message ?? text;
      throw new AgentError(response.status, `node agent ${method} ${path}: ${response.status} ${message}`);
    }
    return json as T;
  }
}
