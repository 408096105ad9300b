/** @module `tenantry up`: runs the platform in the foreground until SIGINT or SIGTERM. */
import { readHostConfig, startPlatform } from '@tenantry/local-host';

export async function runUp(): Promise<void> {
  const config = readHostConfig();
  const say = (line: string) => process.stdout.write(`tenantry: ${line}\n`);
  say(`starting in ${config.TENANTRY_HOME}`);
  const platform = await startPlatform(config, say);
  say(`gateway:   ${platform.gatewayUrl}`);
  say(`dashboard: ${platform.masterUrl}/  (operator dashboard; sign in with the admin token)`);
  say(`master:    tenants API at ${platform.masterUrl}/admin/api/tenants`);
  say(`tenants:   http://<slug>.${config.TENANTRY_DOMAIN}${config.PORT === 80 ? '' : `:${config.PORT}`}/`);
  say(`token:     ${platform.adminTokenFile}`);
  say(`logs:      ${config.TENANTRY_HOME}/logs`);
  say('ready; press Ctrl-C to stop');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping every process`);
    platform.stop().then(
      () => {
        say('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`tenantry: stop failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
