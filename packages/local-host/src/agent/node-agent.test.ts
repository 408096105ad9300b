/** The node agent keeps the gateway's record of tenants' last requests in its state file, so idle time survives a restart. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createLogger } from '@tenantry/core';
import { RouteTable, TenantActivity } from '@tenantry/gateway';
import { Supervisor } from '../supervisor/supervisor.js';
import { NodeAgent } from './node-agent.js';

const root = mkdtempSync(join(tmpdir(), 'tenantry-node-agent-'));
const log = createLogger('test', 'silent');
const supervisor = new Supervisor({ logRoot: join(root, 'logs'), runDir: join(root, 'run'), log });

after(async () => {
  await supervisor.stopAll();
  rmSync(root, { recursive: true, force: true });
});

function agent(activity: TenantActivity, routes = new RouteTable()): NodeAgent {
  return new NodeAgent({ supervisor, routes, activity, stateFile: join(root, 'state.json'), token: 'token', portRange: { first: 20000, last: 20010 }, log });
}

test("a restart keeps each tenant's last request and when the record began; a deleted tenant's is forgotten", async () => {
  const before = new TenantActivity();
  const routes = new RouteTable();
  const first = agent(before, routes);
  first.putRoute('acme.localhost', { tenant: 'acme', state: 'ready', upstreams: [] });
  first.putRoute('gone.localhost', { tenant: 'gone', state: 'ready', upstreams: [] });
  before.record('acme', '/api/projects');
  before.record('gone', '/api/projects');
  first.deleteRoute('gone.localhost');
  const saved = before.snapshot();
  await first.close();

  const afterRestart = new TenantActivity();
  await agent(afterRestart).close();
  const restored = afterRestart.snapshot();
  assert.equal(restored.since, saved.since, 'idle time counts from the first run, not from the restart');
  assert.deepEqual(restored.tenants, { acme: saved.tenants.acme });
});
