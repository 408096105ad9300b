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
