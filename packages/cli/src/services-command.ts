/**
 * @module `tenantry services fetch|start|stop|status [kafka] [cassandra]`: Kafka and Cassandra as background
 * processes on loopback, for tests, benches and anyone who wants them outside `tenantry up`. State (data,
 * pid file, log) lives in $TENANTRY_HOME/services/<name>/; the jars in the shared cache.
 */
import { join } from 'node:path';
import { defaultPorts, detachedStatus, fetchServer, serverNames, startDetached, stopDetached, type ServerName } from '@tenantry/analytics-servers';
import { CliErrors } from './errors.js';

export interface ServicesOptions {
  action: string | undefined;
  names: string[];
  home: string;
  json: boolean;
}

const HEAP_MB: Record<ServerName, number> = { kafka: 384, cassandra: 768 };

function pick(names: string[]): ServerName[] {
  if (names.length === 0) return [...serverNames];
  for (const name of names) {
    if (!serverNames.includes(name as ServerName)) throw CliErrors.usage(`unknown service "${name}": choose ${serverNames.join(' and/or ')}`);
  }
  return names as ServerName[];
}

export async function runServicesCommand(options: ServicesOptions): Promise<void> {
  const names = pick(options.names);
  const home = join(options.home, 'services');
  const say = (line: string) => {
    if (!options.json) process.stderr.write(`${line}\n`);
  };
  const results: Record<string, unknown>[] = [];
  switch (options.action) {
    case 'fetch':
      for (const name of names) results.push({ name, libs: await fetchServer(name, { progress: say }) });
      break;
    case 'start':
      // One after the other: each JVM takes a core to start, and the machine may have two.
      for (const name of names) {
        const started = await startDetached(name, { home, ...defaultPorts[name], heapMb: HEAP_MB[name], progress: say });
        say(`${name}: ${started.alreadyRunning ? 'already running' : 'started'} on ${started.address} (pid ${started.pid}, log ${started.log})`);
        results.push({ name, address: started.address, pid: started.pid, log: started.log });
      }
      break;
    case 'stop':
      for (const name of names) {
        const stopped = await stopDetached(name, home);
        say(`${name}: ${stopped ? 'stopped' : 'was not running'}`);
        results.push({ name, stopped });
      }
      break;
    case 'status':
      for (const name of names) {
        const running = detachedStatus(name, home);
        say(`${name}: ${running ? `running on ${running.address} (pid ${running.pid})` : 'not running'}`);
        results.push({ name, running: Boolean(running), ...running });
      }
      break;
    default:
      throw CliErrors.usage('services needs one of: fetch, start, stop, status (then optionally kafka and/or cassandra)');
  }
  if (options.json) process.stdout.write(`${JSON.stringify(results)}\n`);
}
