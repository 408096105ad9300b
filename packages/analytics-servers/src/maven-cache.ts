/**
 * @module The servers' jars, fetched from Maven Central with `mvn` into a cache folder shared by every
 * checkout (`TENANTRY_CACHE_DIR`, else `$XDG_CACHE_HOME/tenantry`, else `~/.cache/tenantry`). A folder is
 * used only once a fetch into it has completed, so an interrupted download is simply done again.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { cacheDir } from '@tenantry/core';

/** A Maven coordinate, `group:artifact:version`. */
export type Artifact = `${string}:${string}:${string}`;

export class MavenFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MavenFetchError';
  }
}

function pom(name: string, artifacts: readonly Artifact[]): string {
  const dependencies = artifacts.map((artifact) => {
    const [group, id, version] = artifact.split(':');
    return `    <dependency><groupId>${group}</groupId><artifactId>${id}</artifactId><version>${version}</version></dependency>`;
  });
  return [
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    '  <modelVersion>4.0.0</modelVersion>',
    `  <groupId>tenantry.cache</groupId><artifactId>${name}</artifactId><version>1</version><packaging>pom</packaging>`,
    '  <dependencies>',
    ...dependencies,
    '  </dependencies>',
    '</project>',
    '',
  ].join('\n');
}

/**
 * The folder holding `artifacts` and all their runtime dependencies, fetched first if it is not complete.
 * `progress` gets a line now and then (mvn's downloads are counted, not echoed).
 */
export async function fetchArtifacts(
  name: string,
  artifacts: readonly Artifact[],
  options: { cacheDir?: string; progress?: (line: string) => void } = {},
): Promise<string> {
  const dir = join(options.cacheDir ?? cacheDir(), name);
  const libs = join(dir, 'libs');
  const marker = join(dir, 'complete.json');
  const wanted = JSON.stringify(artifacts);
  if (existsSync(marker) && readFileSync(marker, 'utf8') === wanted) return libs;

  const progress = options.progress ?? (() => undefined);
  const staging = join(dir, 'libs.partial');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'pom.xml'), pom(name, artifacts));
  progress(`fetching ${name} (${artifacts.join(', ')}) from Maven Central into ${dir}`);

  const args = [
    '-B',
    '--no-transfer-progress',
    '-f',
    join(dir, 'pom.xml'),
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${staging}`,
  ];
  const child = spawn('mvn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  let copied = 0;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      if (output.length > 200) output.shift();
      if (line.includes('Copying ') && ++copied % 20 === 0) progress(`${name}: ${copied} jars`);
    });
  }
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new MavenFetchError(
              'mvn was not found on PATH: install Apache Maven (Debian/Ubuntu: apt-get install maven; macOS: brew install maven) and a Java 17 runtime',
            )
          : err,
      ),
    );
    child.once('close', resolve);
  });
  if (code !== 0) {
    const errors = output
      .filter((line) => line.startsWith('[ERROR]'))
      .slice(0, 8)
      .join('\n');
    throw new MavenFetchError(`mvn could not fetch ${name} (exit ${code}):\n${errors || output.slice(-20).join('\n')}`);
  }
  rmSync(libs, { recursive: true, force: true });
  renameSync(staging, libs);
  writeFileSync(marker, wanted);
  progress(`${name}: ${copied} jars in ${libs}`);
  return libs;
}
