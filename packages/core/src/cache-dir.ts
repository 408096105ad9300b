/**
 * @module Where built or downloaded tools are kept between runs (Kafka and Cassandra jars, MinIO, Kubernetes
 * binaries, helm): TENANTRY_CACHE_DIR, else $XDG_CACHE_HOME/tenantry, else ~/.cache/tenantry.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheDir(environment: NodeJS.ProcessEnv = process.env): string {
  if (environment.TENANTRY_CACHE_DIR) return environment.TENANTRY_CACHE_DIR;
  return join(environment.XDG_CACHE_HOME || join(homedir(), '.cache'), 'tenantry');
}
