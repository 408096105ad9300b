/**
 * The local drivers that work through the node agent, observed on a real one (supervisor, gateway route table,
 * loopback API): a pod of real processes, its gateway route and a dedicated Postgres instance, each broken behind
 * the driver's back and observed, then applied again. The dedicated instance also passes the database contract.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Observed, PodDeployment } from '@tenantry/control-plane';
import { databaseDriverContract } from '@tenantry/control-plane/contracts';
import { createLogger, randomSecret, tenantHost, waitFor } from '@tenantry/core';
import {
  AgentClient,
  DedicatedInstanceDatabase,
  dedicatedWorkloadName,
  GatewayRouting,
  initTemplateCluster,
  podWorkloadName,
  postgresBinaries,
  postgresServiceUser,
  ProcessCompute,
} from '@tenantry/driver-local';
import { RouteTable } from '@tenantry/gateway';
import type { PodManifest } from '@tenantry/pod-manifest';
import { NodeAgent } from './agent/node-agent.js';
import { Supervisor } from './supervisor/supervisor.js';

const silent = () => undefined;
const tenant = { slug: 'observed', name: 'Observed', tier: 'production' } as const;
const dir = mkdtempSync(join(tmpdir(), 'tenantry-observe-'));
// The postgres user passes through to its data directories.
chmodSync(dir, 0o755);
const flags = join(dir, 'flags');
mkdirSync(flags);

/**
 * Each program serves on its PORT, except that it exits with code 3 at start while `<program>.crash` exists and
 * waits to listen while `<program>.hold` exists: a restarted program that crashes, or is not ready yet.
 */
const PROGRAM = `
const { existsSync } = require('node:fs');
const flag = (kind) => existsSync(process.env.FLAGS + '/' + process.env.PROGRAM + '.' + kind);
if (flag('crash')) { console.error('crashing on purpose'); process.exit(3); }
const listen = () => flag('hold') ? setTimeout(listen, 20) : require('node:http').createServer((q, r) => r.end('ok')).listen(Number(process.env.PORT), process.env.HOST);
listen();
process.on('SIGTERM', () => process.exit(0));`;
const program = (name: string, routes: string[]) => ({
  name,
  command: 'node',
  args: ['-e', PROGRAM],
  healthPath: '/',
  routes,
  reads: [],
  env: { FLAGS: flags, PROGRAM: name },
  warmStart: false,
  startLater: false,
});
const manifest: PodManifest = { programs: [program('web', ['/']), program('api', ['/api'])] };

let supervisor: Supervisor;
let agent: NodeAgent;
let client: AgentClient;
let compute: ProcessCompute;
let routing: GatewayRouting;
let database: DedicatedInstanceDatabase;

before(async () => {
  const log = createLogger('observe-test', 'silent');
  const token = randomSecret();
  supervisor = new Supervisor({ logRoot: join(dir, 'logs'), runDir: join(dir, 'run'), log });
  agent = new NodeAgent({
    supervisor,
    routes: new RouteTable(),
    stateFile: join(dir, 'agent', 'state.json'),
    token,
    portRange: { first: 29000, last: 29199 },
    log,
  });
  client = new AgentClient(await agent.listen(), token);
  compute = new ProcessCompute({ agent: client, manifest, readyTimeoutMs: 20_000 });
  routing = new GatewayRouting(client, manifest, 'localhost', 8080);
  const superuserPassword = randomSecret();
  const [binaries, user] = [postgresBinaries(), postgresServiceUser()];
  const templateDir = join(dir, 'postgres', 'template');
  await initTemplateCluster(templateDir, binaries, user, superuserPassword);
  database = new DedicatedInstanceDatabase({
    agent: client,
    binaries,
    user,
    templateDir,
    instancesDir: join(dir, 'postgres', 'instances'),
    superuserPassword,
    namingKey: 'observe-test-key',
  });
});

after(async () => {
  await agent?.close();
  await supervisor?.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

function flag(name: string, kind: 'crash' | 'hold', on: boolean): void {
  if (on) writeFileSync(join(flags, `${name}.${kind}`), '');
  else rmSync(join(flags, `${name}.${kind}`), { force: true });
}

/** Observes until `observed` matches the expected state and message (a supervisor notices an exit a moment later). */
function observedAs(observe: () => Promise<Observed>, state: Observed['state'], message: RegExp): Promise<Observed> {
  return waitFor(
    async () => {
      const observed = await observe();
      return observed.state === state && message.test('message' in observed ? observed.message : '') ? observed : undefined;
    },
    { what: `observe to say ${state}: ${message}`, timeoutMs: 15_000, intervalMs: 20 },
  );
}

databaseDriverContract('DedicatedInstanceDatabase on the node agent', () => database, 'production');

test('the pod observed: present when deployed, unhealthy while a killed program is down or crash-looping, missing once its workload is gone; deploying again brings it back', async () => {
  const observe = () => compute.observe(tenant);
  const pod = podWorkloadName(tenant.slug);
  assert.deepEqual(await observe(), { state: 'missing', message: `the node agent runs no workload ${pod}: the pod is gone` });
  await compute.deploy(tenant, {}, silent);
  assert.deepEqual(await observe(), { state: 'present' });

  // Killed: the supervisor restarts it, and until it is ready again (here: held back) the pod is unhealthy.
  const pidOf = async (name: string) => (await client.workloadStatus(pod))!.processes.find((p) => p.name === name)!.pid!;
  flag('web', 'hold', true);
  process.kill(await pidOf('web'), 'SIGKILL');
  await observedAs(observe, 'unhealthy', new RegExp(`^${pod}: program web is starting after 1 restart\\(s\\), last exit by SIGKILL at `));
  flag('web', 'hold', false);
  await compute.deploy(tenant, {}, silent);
  assert.deepEqual(await observe(), { state: 'present' }, 'deploying again waits until it is back');

  // Killed and crashing at every start.
  flag('api', 'crash', true);
  process.kill(await pidOf('api'), 'SIGKILL');
  await observedAs(observe, 'unhealthy', new RegExp(`^${pod}: program api is (backoff|starting) after [2-9]\\d* restart\\(s\\), last exit code 3 at `));

  // Removed from the agent behind the driver's back.
  await client.deleteWorkload(pod);
  assert.deepEqual(await observe(), { state: 'missing', message: `the node agent runs no workload ${pod}: the pod is gone` });
  flag('api', 'crash', false);
  await compute.deploy(tenant, {}, silent);
  assert.deepEqual(await observe(), { state: 'present' }, 'deploying again makes it');
});

test('the route observed: present when published; unhealthy when pending or sent to other ports; missing once deleted; publishing again brings it back', async () => {
  const host = tenantHost(tenant.slug, 'localhost');
  const deployment = await compute.deploy(tenant, {}, silent);
  const observe = (to: PodDeployment = deployment) => routing.observe(tenant, to);
  await routing.publish(tenant, deployment);
  assert.deepEqual(await observe(), { state: 'present' });

  const [web, api] = [new URL(deployment.endpoints.web!).port, new URL(deployment.endpoints.api!).port];
  const elsewhere = { endpoints: { web: 'http://127.0.0.1:1', api: deployment.endpoints.api! } };
  assert.deepEqual(await observe(elsewhere), {
    state: 'unhealthy',
    message: `the gateway routes ${host} to / → ${web}, /api → ${api}, not to the pod's / → 1, /api → ${api}`,
  });

  await routing.reserve(tenant);
  assert.deepEqual(await observe(), { state: 'unhealthy', message: `the gateway holds ${host} pending (answering 503), not routed to the pod` });

  await client.deleteRoute(host);
  assert.deepEqual(await observe(), { state: 'missing', message: `the gateway has no route for ${host}` });
  await routing.publish(tenant, deployment);
  assert.deepEqual(await observe(), { state: 'present' }, 'publishing again makes it');
  await compute.remove(tenant);
  await routing.remove(tenant);
});

test('a dedicated Postgres instance observed: unhealthy while stopped behind the agent, present after create, missing once removed', async () => {
  const grant = await database.create(tenant, silent);
  assert.deepEqual(await database.observe(tenant, grant), { state: 'present' });
  const port = new URL(grant.url).port;

  // Stopped under the agent, which still means to run it.
  await supervisor.remove(dedicatedWorkloadName(tenant.slug));
  const stopped = await database.observe(tenant, grant);
  assert.equal(stopped.state, 'unhealthy');
  assert.match(
    stopped.state === 'unhealthy' ? stopped.message : '',
    new RegExp(`^the tenant's dedicated Postgres instance at 127\\.0\\.0\\.1:${port} does not answer: connect ECONNREFUSED`),
  );

  const again = await database.create(tenant, silent);
  assert.deepEqual(await database.observe(tenant, again), { state: 'present' }, 'applying again starts it');
  await database.remove(tenant, silent);
  assert.deepEqual(await database.observe(tenant, again), {
    state: 'missing',
    message: `the dedicated Postgres instance of ${tenant.slug} is gone: no data directory ${join(dir, 'postgres', 'instances', tenant.slug)}`,
  });
});
