/** @module The `tenantry` command: `up` runs the platform; `tenants …`, `migrate` and `usage` work through the master's API; `services` runs Kafka and Cassandra. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, isTier, slugProblem, TIERS, USAGE_MAX_HOURS } from '@tenantry/core';
import { CliError, CliErrors, EXIT } from './errors.js';
import { runMigrateCommand } from './migrate-command.js';
import { runServicesCommand } from './services-command.js';
import { runUsageCommand } from './usage-command.js';
import { runTenantsCommand, type TenantsCommand } from './tenants-command.js';
import { runUp } from './up-command.js';

const HELP = `tenantry: pod-per-tenant SaaS platform

Usage:
  tenantry up                                  run the platform in the foreground (what npm start does)
  tenantry tenants create <slug> --tier <${TIERS.join('|')}> [--name <name>] [--wait]
  tenantry tenants list
  tenantry tenants get <slug>                  its spec, its phase, each step and each condition
  tenantry tenants update <slug> --name <name> [--wait]
  tenantry tenants freeze|wake <slug> [--wait]
                                               change its spec; --wait follows the reconciler until it is
                                               applied (observedGeneration reaches the generation)
  tenantry tenants delete <slug> [--wait]
  tenantry tenants logs <slug> <step> [--limit <n>]
                                               a provisioning step's log (its progress, attempts and
                                               failures), oldest line first; --limit keeps the newest n
  tenantry migrate --all                       bring every tenant database to this build's schema version
  tenantry usage <slug> [--hours 24]           the tenant's requests, errors, p95 latency, users and jobs
  tenantry services fetch|start|stop|status [kafka] [cassandra]
                                               Kafka (127.0.0.1:9092) and Cassandra (127.0.0.1:9042) in the
                                               background, from Maven Central jars (needs Java 17 and mvn)

Options:
  --json           print only JSON
  --wait           wait until the tenant is ready (create), gone (delete), converged (update), frozen or awake, showing each step
  --timeout <s>    how long --wait waits (default 120)
  --url <url>      the platform's gateway (default http://127.0.0.1:$PORT, PORT defaults to 8080)
  --token <token>  admin token (default: $TENANTRY_TOKEN, else the file $TENANTRY_HOME/admin-token)
  --domain <d>     the platform's domain (default $TENANTRY_DOMAIN or localhost)

Environment: PORT, TENANTRY_HOME (default ./.tenantry), TENANTRY_DOMAIN, TENANTRY_TOKEN.`;

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        wait: { type: 'boolean', default: false },
        all: { type: 'boolean', default: false },
        hours: { type: 'string', default: '24' },
        limit: { type: 'string' },
        tier: { type: 'string' },
        name: { type: 'string' },
        timeout: { type: 'string', default: '120' },
        url: { type: 'string' },
        token: { type: 'string' },
        domain: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw CliErrors.usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, sub, slug, ...extra] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (command === 'up') return runUp();
  if (command === 'services') {
    return runServicesCommand({ action: sub, names: positionals.slice(2), home: resolve(process.env.TENANTRY_HOME || '.tenantry'), json: values.json });
  }
  if (command === 'usage') {
    if (!sub) throw CliErrors.usage('usage needs a tenant slug, e.g. tenantry usage acme');
    if (slug) throw CliErrors.usage(`unexpected argument "${slug}"`);
    const hours = Number(values.hours);
    if (!Number.isInteger(hours) || hours < 1 || hours > USAGE_MAX_HOURS)
      throw CliErrors.usage(`--hours must be a whole number of hours from 1 to ${USAGE_MAX_HOURS}`);
    return runUsageCommand({ slug: sub, hours, json: values.json, url: values.url, token: values.token, domain: values.domain });
  }
  if (command === 'migrate') {
    if (!values.all || sub) throw CliErrors.usage('migrate needs --all: tenantry migrate --all [--json]');
    return runMigrateCommand({ json: values.json, url: values.url, token: values.token, domain: values.domain });
  }
  if (command !== 'tenants') throw CliErrors.usage(`unknown command "${command}"`);
  if (!sub || !['create', 'list', 'get', 'update', 'freeze', 'wake', 'delete', 'logs'].includes(sub))
    throw CliErrors.usage(`tenants needs one of: create, list, get, update, freeze, wake, delete, logs`);
  const [step, ...rest] = sub === 'logs' ? extra : [undefined, ...extra];
  if (rest.length > 0) throw CliErrors.usage(`unexpected argument "${rest[0]}"`);
  if (sub === 'logs' && (!slug || !step)) throw CliErrors.usage('tenants logs needs a tenant slug and a step, e.g. tenantry tenants logs acme pod');
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && (sub !== 'logs' || !Number.isInteger(limit) || limit < 1)) {
    throw CliErrors.usage(sub === 'logs' ? '--limit must be a whole number of lines' : '--limit is for tenants logs');
  }
  if (sub !== 'list') {
    if (!slug) throw CliErrors.usage(`tenants ${sub} needs a tenant slug, e.g. tenantry tenants ${sub} acme`);
    if (sub === 'create') {
      const problem = slugProblem(slug);
      if (problem) throw CliErrors.usage(problem);
      if (!values.tier) throw CliErrors.usage(`--tier is required: ${TIERS.join(' or ')}`);
      if (!isTier(values.tier)) throw CliErrors.usage(`unknown tier "${values.tier}"; use ${TIERS.join(' or ')}`);
    }
    if (sub === 'update' && values.name === undefined) throw CliErrors.usage('tenants update needs what to change: --name <name>');
  }
  const timeoutSeconds = Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw CliErrors.usage('--timeout must be a number of seconds');
  await runTenantsCommand({
    action: sub as TenantsCommand['action'],
    slug: slug ?? '',
    step,
    limit,
    tier: values.tier,
    name: values.name,
    json: values.json,
    wait: values.wait,
    timeoutSeconds,
    url: values.url,
    token: values.token,
    domain: values.domain,
  });
}

main(process.argv.slice(2)).then(
  () => undefined,
  (err: unknown) => {
    if (err instanceof CliError || err instanceof ConfigError) {
      const json = process.argv.includes('--json');
      const code = err instanceof CliError ? err.code : 'INVALID_CONFIG';
      if (json) process.stdout.write(`${JSON.stringify({ error: { code, message: err.message } })}\n`);
      else process.stderr.write(`tenantry: ${err.message}\n`);
      process.exit(err instanceof CliError ? err.exitCode : EXIT.usage);
    }
    process.stderr.write(`tenantry: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(EXIT.failed);
  },
);
