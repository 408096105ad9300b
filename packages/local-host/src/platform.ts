/**
 * @module The whole platform on one machine: backing services, node agent, gateway and the master
 * pod, started in order and stopped in reverse. This is what `tenantry up` (and `npm start`) runs.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, newSecretKey, randomSecret, tenantDatabaseLimits, tenantHost, tenantUrl, MASTER_SLUG, type Logger } from '@tenantry/core';
import { Gateway, RouteTable, TenantActivity, wakeThroughMaster } from '@tenantry/gateway';
import { podEnvironment } from '@tenantry/pod-contract';
import { defaultPodManifest, loadPodManifest, masterPodManifest } from '@tenantry/pod-manifest';
import {
  adminPool,
  CatcherMail,
  confineExistingTenantLogins,
  podRoute,
  podWorkload,
  podWorkloadName,
  QueryWatchdog,
  RedisAclQueue,
  warmStartSpecs,
} from '@tenantry/driver-local';
import { NodeAgent } from './agent/node-agent.js';
import { startAnalyticsBackends } from './backing-services/analytics-servers.js';
import { EMBEDDED_SIZES, ensureCatalogDatabase, ensureTemplate, postgresLayout, startEmbeddedServer } from './backing-services/embedded-postgres.js';
import { findRedisServer, startEmbeddedRedis } from './backing-services/embedded-redis.js';
import { startMailCatcherService } from './backing-services/mail-catcher.js';
import type { HostConfig } from './config.js';
import { checkReachableByTenants, closePlatformHome, isolationLine, TENANT_REDIS_FOLDER } from './os-isolation.js';
import { Supervisor } from './supervisor/supervisor.js';
import { WarmPool } from './supervisor/warm-pool.js';

export interface RunningPlatform {
  gatewayUrl: string;
  masterUrl: string;
  adminTokenFile: string;
  restoredWorkloads: number;
  stop(): Promise<void>;
}

/** Reads a secret kept in TENANTRY_HOME, making it on first use. */
function persistentSecret(file: string, make: () => string = randomSecret): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const secret = make();
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Refuses to start twice on the same TENANTRY_HOME. */
function acquireHome(home: string): () => void {
  const pidFile = join(home, 'platform.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    let alive: boolean;
    try {
      process.kill(pid, 0);
      alive = pid !== process.pid;
    } catch (err) {
      // EPERM: the process exists but belongs to another user, so the home is still in use.
      alive = (err as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (alive) throw new Error(`Tenantry is already running on ${home} (pid ${pid}); stop it first or set TENANTRY_HOME`);
  }
  writeFileSync(pidFile, String(process.pid));
  return () => rmSync(pidFile, { force: true });
}

export async function startPlatform(config: HostConfig, say: (line: string) => void): Promise<RunningPlatform> {
  const home = config.TENANTRY_HOME;
  checkReachableByTenants(home);
  mkdirSync(join(home, 'logs'), { recursive: true, mode: 0o700 });
  closePlatformHome(home);
  const release = acquireHome(home);
  const log: Logger = createLogger('tenantry-host', config.LOG_LEVEL);
  const pool = new WarmPool({ size: config.TENANTRY_WARM_POOL, runDir: join(home, 'run'), log });
  const supervisor = new Supervisor({
    pool,
    logRoot: join(home, 'logs'),
    runDir: join(home, 'run'),
    logRotation: {
      maxBytes: config.TENANTRY_LOG_MAX_MB * 1024 * 1024,
      files: config.TENANTRY_LOG_FILES,
      bytesPerSecond: config.TENANTRY_LOG_MB_PER_SECOND * 1024 * 1024,
    },
    log,
  });
  const routes = new RouteTable();
  // Each tenant's last real request through the gateway, which the master's idle freezing reads from the agent.
  const activity = new TenantActivity();
  const agentToken = randomSecret();
  const agent = new NodeAgent({
    supervisor,
    routes,
    activity,
    stateFile: join(home, 'agent', 'state.json'),
    token: agentToken,
    portRange: config.TENANTRY_PORTS,
    log,
  });
  let gateway: Gateway | undefined;
  let trialWatchdog: QueryWatchdog | undefined;
  const stop = async () => {
    await gateway?.close();
    await trialWatchdog?.close();
    await agent.close();
    await supervisor.stopAll();
    release();
  };

  try {
    // Each tenant's queues get a redis-server of their own, whether or not the platform's Redis is REDIS_URL.
    const redisServer = findRedisServer();
    say(isolationLine());
    const reaped = await supervisor.reapOrphans();
    if (reaped > 0) say(`stopped ${reaped} process(es) left running by a previous run`);

    // The first request to a frozen tenant wakes it through the master, once the master runs.
    const waking: { through?: (tenant: string) => Promise<void> } = {};
    gateway = new Gateway({
      routes,
      log,
      activity,
      programs: supervisor,
      wake: {
        wake: (tenant) => (waking.through ? waking.through(tenant) : Promise.reject(new Error('the platform is still starting'))),
        timeoutMs: config.TENANTRY_WAKE_TIMEOUT_MS,
      },
      bodyIdleTimeoutMs: config.TENANTRY_GATEWAY_BODY_IDLE_TIMEOUT_MS,
      bodyTimeoutMs: config.TENANTRY_GATEWAY_BODY_TIMEOUT_MS,
      halfClosedTimeoutMs: config.TENANTRY_GATEWAY_HALF_CLOSED_TIMEOUT_MS,
      maxConnectionsPerClient: config.TENANTRY_GATEWAY_MAX_CONNECTIONS_PER_CLIENT,
    });
    await gateway.listen(config.PORT, config.HOST).catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'EADDRINUSE' ? new Error(`port ${config.PORT} is in use; stop what uses it or set PORT`) : err;
    });

    // The master always runs the built-in programs (they are the control plane); TENANTRY_POD_MANIFEST
    // swaps in a team's own app for tenants only, and is checked here so a bad file fails at start-up.
    const tenantManifest = config.TENANTRY_POD_MANIFEST ? loadPodManifest(config.TENANTRY_POD_MANIFEST) : defaultPodManifest();
    const masterManifest = masterPodManifest();
    const secrets = join(home, 'secrets');
    const superuserPassword = persistentSecret(join(secrets, 'postgres-superuser'));
    const layout = postgresLayout(home, config.TENANTRY_POSTGRES_BIN_DIR);
    say(`postgres: ${config.DATABASE_URL ? 'DATABASE_URL' : `embedded (${layout.root})`}`);
    await ensureTemplate(layout, superuserPassword);
    let catalogUrl: string;
    let trialAdminUrl: string;
    if (config.DATABASE_URL) {
      catalogUrl = config.DATABASE_URL;
      trialAdminUrl = config.TRIAL_DATABASE_URL ?? config.DATABASE_URL;
    } else {
      const [platformUrl, trialUrl] = await Promise.all([
        startEmbeddedServer(agent, layout, 'platform', EMBEDDED_SIZES.platform, superuserPassword),
        startEmbeddedServer(agent, layout, 'trial', EMBEDDED_SIZES.trial, superuserPassword),
      ]);
      catalogUrl = await ensureCatalogDatabase(platformUrl, 'tenantry', persistentSecret(join(secrets, 'catalog-password')));
      trialAdminUrl = trialUrl;
    }
    // Logins made by an earlier version (without limits) get the trial tier's, before any tenant program runs.
    const trialAdmin = adminPool(trialAdminUrl, 1);
    try {
      await confineExistingTenantLogins(trialAdmin, tenantDatabaseLimits('trial'));
    } finally {
      await trialAdmin.end();
    }
    // Role settings are session defaults a tenant may SET away: the watchdog enforces the statement timeout.
    trialWatchdog = new QueryWatchdog({ adminUrl: trialAdminUrl, defaultTier: 'trial', intervalMs: config.TENANTRY_TRIAL_WATCHDOG_INTERVAL_MS, log });
    await trialWatchdog.start();
    const redisUrl = config.REDIS_URL ?? (await startEmbeddedRedis(agent, redisServer, home, persistentSecret(join(secrets, 'redis-password'))));
    say(`redis: ${config.REDIS_URL ? 'REDIS_URL' : 'redis-server (embedded)'}`);
    // Logins made by an earlier version keep the rules they were made with until given today's; the
    // scripts tenants may run are loaded before any tenant program starts (the master's scheduler then keeps them).
    const redisLogins = new RedisAclQueue(redisUrl);
    try {
      await redisLogins.reconfineExisting();
      await redisLogins.loadScripts();
    } finally {
      await redisLogins.close();
    }
    say(
      `storage: ${config.TENANTRY_STORAGE === 's3' ? `S3 prefixes in ${config.S3_BUCKET} on ${config.S3_ENDPOINT}` : `a folder per tenant in ${join(home, 'storage')}`}`,
    );
    const analyticsEnv = await startAnalyticsBackends(agent, home, config, say);
    const mailKey = persistentSecret(join(secrets, 'mail-key'));
    const mail = await startMailCatcherService(agent, home, mailKey, config.LOG_LEVEL);
    say(`mail: SMTP catcher on 127.0.0.1:${mail.smtpPort} (each tenant reads its own mail in its admin)`);

    const agentUrl = await agent.listen();
    const restoredWorkloads = await agent.restore();
    if (restoredWorkloads > 0) say(`restoring ${restoredWorkloads} tenant workload(s) from the previous run`);

    const adminTokenFile = join(home, 'admin-token');
    const adminToken = persistentSecret(adminTokenFile);
    // Seals the secrets of the tenant catalog: from the environment, else made on first start and kept.
    const secretKey = config.TENANTRY_SECRET_KEY ?? persistentSecret(join(secrets, 'secret-key'), newSecretKey);
    const masterName = podWorkloadName(MASTER_SLUG);
    const ports = await agent.leasePorts(
      masterName,
      masterManifest.programs.map((p) => p.name),
    );
    const compileCacheDir = join(home, 'cache', 'node-compile');
    const portSuffix = config.PORT === 80 ? '' : `:${config.PORT}`;
    const masterHost = tenantHost(MASTER_SLUG, config.TENANTRY_DOMAIN);
    const masterMail = await new CatcherMail({ ...mail, key: mailKey, domain: config.TENANTRY_DOMAIN }).create({
      slug: MASTER_SLUG,
      name: 'Tenantry',
      tier: 'production',
    });
    const masterEnv = podEnvironment({
      tenant: { slug: MASTER_SLUG, name: 'Tenantry', tier: 'production' },
      isMaster: true,
      url: tenantUrl(MASTER_SLUG, config.TENANTRY_DOMAIN, config.PORT),
      logLevel: config.LOG_LEVEL,
      database: { url: catalogUrl },
      queue: { url: redisUrl },
      storage: { url: `file://${join(home, 'storage', MASTER_SLUG)}/` },
      mail: masterMail,
      platform: analyticsEnv,
    });
    // Each secret goes only to the program that uses it: the API checks the admin token, the
    // provisioning worker drives the node agent and the databases.
    const masterProgramEnv: Record<string, Record<string, string>> = {
      'admin-backend': {
        ADMIN_TOKEN: adminToken,
        TENANTRY_SECRET_KEY: secretKey,
        TENANTRY_PUBLIC_PORT: String(config.PORT),
        TENANTRY_DOMAIN: config.TENANTRY_DOMAIN,
      },
      scheduler: {
        TENANTRY_DOMAIN: config.TENANTRY_DOMAIN,
        TENANTRY_SECRET_KEY: secretKey,
        TENANTRY_AGENT_URL: agentUrl,
        TENANTRY_AGENT_TOKEN: agentToken,
        TENANTRY_STORAGE_ROOT: join(home, 'storage'),
        TENANTRY_COMPILE_CACHE_DIR: compileCacheDir,
        TENANTRY_TENANT_UIDS: config.TENANTRY_TENANT_UIDS,
        TENANTRY_TRIAL_DATABASE_URL: trialAdminUrl,
        TENANTRY_NAMING_KEY: persistentSecret(join(secrets, 'naming-key')),
        TENANTRY_POSTGRES_ROOT: layout.root,
        TENANTRY_POSTGRES_SUPERUSER_PASSWORD: superuserPassword,
        TENANTRY_PROVISIONING_CONCURRENCY: String(config.TENANTRY_PROVISIONING_CONCURRENCY),
        TENANTRY_REDIS_SERVER: redisServer,
        TENANTRY_TENANT_REDIS_ROOT: join(home, TENANT_REDIS_FOLDER),
        TENANTRY_RESYNC_INTERVAL_MS: String(config.TENANTRY_RESYNC_INTERVAL_MS),
        TENANTRY_FREEZE_AFTER_TRIAL: durationText(config.TENANTRY_FREEZE_AFTER_TRIAL),
        TENANTRY_FREEZE_AFTER_PRODUCTION: durationText(config.TENANTRY_FREEZE_AFTER_PRODUCTION),
        TENANTRY_PUBLIC_PORT: String(config.PORT),
        TENANTRY_MAIL_SMTP_PORT: String(mail.smtpPort),
        TENANTRY_MAIL_HTTP_PORT: String(mail.httpPort),
        TENANTRY_MAIL_KEY: mailKey,
        ...(config.TENANTRY_STORAGE === 's3'
          ? {
              TENANTRY_S3_ENDPOINT: config.S3_ENDPOINT!,
              TENANTRY_S3_BUCKET: config.S3_BUCKET,
              TENANTRY_S3_REGION: config.S3_REGION,
              TENANTRY_S3_ACCESS_KEY_ID: config.S3_ACCESS_KEY_ID!,
              TENANTRY_S3_SECRET_ACCESS_KEY: config.S3_SECRET_ACCESS_KEY!,
            }
          : {}),
        ...(config.TENANTRY_POSTGRES_BIN_DIR ? { TENANTRY_POSTGRES_BIN_DIR: config.TENANTRY_POSTGRES_BIN_DIR } : {}),
        ...(config.TENANTRY_POD_MANIFEST ? { TENANTRY_POD_MANIFEST: config.TENANTRY_POD_MANIFEST } : {}),
      },
    };
    mkdirSync(join(home, 'storage', MASTER_SLUG), { recursive: true, mode: 0o700 });
    // Again, now that every platform folder exists: tenants' users pass through, read nothing of the platform's.
    closePlatformHome(home);
    await agent.applyWorkload(
      podWorkload({
        slug: MASTER_SLUG,
        manifest: masterManifest,
        env: masterEnv,
        programEnv: masterProgramEnv,
        ports,
        layer: 'master',
        compileCacheDir,
        warmStart: false,
        startLater: false,
      }),
      false,
    );
    await agent.waitReadyLocal(masterName, 60_000);
    // Tenants' programs pre-started from now on (not before: the master's own start comes first).
    pool.keepWarm(warmStartSpecs(tenantManifest));
    const deployment = { endpoints: Object.fromEntries(Object.entries(ports).map(([p, port]) => [p, `http://127.0.0.1:${port}`])) };
    agent.putRoute(masterHost, podRoute(MASTER_SLUG, masterManifest, deployment), false);
    waking.through = wakeThroughMaster(deployment.endpoints['admin-backend']!, adminToken);

    return {
      gatewayUrl: `http://${config.HOST}${portSuffix}`,
      masterUrl: `http://${masterHost}${portSuffix}`,
      adminTokenFile,
      restoredWorkloads,
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** A time span as the master's configuration reads it: whole seconds, or off. */
function durationText(ms: number | undefined): string {
  return ms === undefined ? 'off' : `${Math.max(1, Math.round(ms / 1000))}s`;
}
