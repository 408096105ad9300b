/** @module How to start one server process, and the port that answers once it is ready. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
  host: string;
  /** Accepts connections once the server is ready for clients. */
  port: number;
}

/** `java` from JAVA_HOME when set, else from PATH (Java 17 or newer). */
export function javaCommand(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** Fails with what to install when there is no Java 17 or newer to run the servers. */
export function assertJava(): void {
  const java = javaCommand();
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const install = 'install Java 17 or newer (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17) or set JAVA_HOME';
  if (result.error) throw new Error(`${java} could not be run (${result.error.message}): ${install}`);
  const major = Number(/version "(?:1\.)?(\d+)/.exec(`${result.stderr}${result.stdout}`)?.[1]);
  if (!(major >= 17))
    throw new Error(`${java} is Java ${Number.isNaN(major) ? 'of an unknown version' : major}; Kafka 4 and Cassandra 5 need 17 or newer: ${install}`);
}
