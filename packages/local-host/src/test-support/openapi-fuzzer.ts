/**
 * @module Runs Schemathesis, a standard OpenAPI fuzzer, against a running API with its document:
 * every answer must be documented (status, content type, headers, schema) and none may be a 5xx.
 * Schemathesis is installed from PyPI, at a pinned version, into a virtual environment in the
 * project's cache folder on first use.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir } from '@tenantry/core';

/** Pinned, so a new release of the fuzzer cannot turn a green suite red by itself. */
export const SCHEMATHESIS_VERSION = '4.32.5';

/** The `st` command of the pinned Schemathesis, installed on first use (python3 with its venv module is needed). */
export function schemathesisCommand(): string {
  const venv = join(cacheDir(), `schemathesis-${SCHEMATHESIS_VERSION}`);
  const st = join(venv, 'bin', 'st');
  if (existsSync(st)) return st;
  mkdirSync(cacheDir(), { recursive: true });
  const steps: [string, string[]][] = [
    ['python3', ['-m', 'venv', '--clear', venv]],
    [join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`]],
  ];
  for (const [command, args] of steps) {
    const run = spawnSync(command, args, { encoding: 'utf8', timeout: 600_000 });
    if (run.status !== 0) {
      // A half-made venv would be taken for a finished one next time.
      rmSync(venv, { recursive: true, force: true });
      const why = run.error ? run.error.message : run.stderr.trim().slice(-2_000);
      throw new Error(
        `installing Schemathesis failed at \`${command} ${args.join(' ')}\`: ${why} (it needs python3 with the venv module, e.g. the python3-venv Debian package, and access to PyPI)`,
      );
    }
  }
  return st;
}

export interface FuzzOptions {
  /** The OpenAPI document, as JSON text. */
  document: string;
  /** Where requests go, e.g. `http://127.0.0.1:8080`; the document's own `servers` are ignored. */
  baseUrl: string;
  /** Sent with every request: a Host to route by, an Authorization to be signed in. */
  headers?: Record<string, string>;
  /** Test cases per operation and phase. @defaultValue 25 */
  maxExamples?: number;
  /** The same seed generates the same requests. @defaultValue 1 */
  seed?: number;
  /** Phases to run. @defaultValue examples, coverage, fuzzing, stateful */
  phases?: ('examples' | 'coverage' | 'fuzzing' | 'stateful')[];
  /** The whole run is stopped (and failed) past this. @defaultValue 5 minutes */
  timeoutMs?: number;
  /** Operations where a check does not apply as it stands, each with the reason. Every other check still applies to them. */
  exceptions?: OperationException[];
}

export interface OperationException {
  method: string;
  /** As written in the document, e.g. `/api/projects/{id}/tasks`. */
  path: string;
  /**
   * Statuses a schema-valid request may get besides Schemathesis' defaults, e.g. 400 where the
   * operation takes an opaque token (a pagination cursor, a link's token) only the server can tell
   * valid, or a limit across fields a schema cannot state.
   */
  statuses?: number[];
  /** Checks that do not apply, e.g. `use_after_free` where a DELETE only starts the deletion. */
  skipChecks?: string[];
  /** Not fuzzed at all, e.g. an event stream that never ends. */
  skip?: boolean;
  /** Why (kept beside the exception, for the reader). */
  because: string;
}

/** What Schemathesis accepts by default as the answer to a schema-valid request. */
const ACCEPTED_BY_DEFAULT = ['2xx', '3xx', '401', '403', '404', '409', '429', '5xx'];

/** schemathesis.toml for the exceptions: one [[operations]] block each. */
function configFile(exceptions: OperationException[]): string {
  return exceptions
    .map((e) =>
      [
        `# ${e.because.replace(/\n/g, ' ')}`,
        '[[operations]]',
        // One filter: Schemathesis matches an operation that passes any of several.
        `include-name = ${JSON.stringify(`${e.method.toUpperCase()} ${e.path}`)}`,
        ...(e.skip ? ['enabled = false'] : []),
        ...(e.statuses?.length
          ? [`checks.positive_data_acceptance.expected-statuses = ${JSON.stringify([...ACCEPTED_BY_DEFAULT, ...e.statuses.map(String)])}`]
          : []),
        ...(e.skipChecks ?? []).map((check) => `checks.${check}.enabled = false`),
      ].join('\n'),
    )
    .join('\n\n');
}

export interface FuzzResult {
  /** True when Schemathesis found nothing. */
  ok: boolean;
  /** Schemathesis' findings (its failures section), readable in a failed assertion; its summary when there are none. */
  report: string;
  durationMs: number;
}

/** Runs every Schemathesis check on every operation of the document; never throws on findings, only on a broken install. */
export async function fuzzOpenApi(options: FuzzOptions): Promise<FuzzResult> {
  const st = schemathesisCommand();
  // Its own folder: Schemathesis reads a schemathesis.toml from its working directory, and writes reports there.
  const work = mkdtempSync(join(tmpdir(), 'tenantry-openapi-fuzz-'));
  const started = Date.now();
  try {
    const documentFile = join(work, 'openapi.json');
    writeFileSync(documentFile, options.document);
    const config = join(work, 'schemathesis.toml');
    writeFileSync(config, configFile(options.exceptions ?? []));
    const args = [
      '--no-color',
      '--config-file',
      config,
      'run',
      documentFile,
      '--url',
      options.baseUrl,
      ...Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
      // Every check runs: each is on by default. Naming them here (`--checks all`) would override the
      // exceptions' `checks.<name>.enabled = false`, since the command line outranks an operation's table.
      '--max-examples',
      String(options.maxExamples ?? 25),
      '--seed',
      String(options.seed ?? 1),
      // One worker: Schemathesis' threads meet a CPython 3.11 fault (python/cpython#106905) that turns
      // a busy machine's run into a spurious "AST constructor recursion depth mismatch" error.
      '--workers',
      '1',
      '--phases',
      (options.phases ?? ['examples', 'coverage', 'fuzzing', 'stateful']).join(','),
      '--request-timeout',
      '30',
      '--warnings',
      'off',
    ];
    const { code, output, timedOut } = await run(st, args, work, options.timeoutMs ?? 300_000);
    const durationMs = Date.now() - started;
    if (timedOut) return { ok: false, durationMs, report: `Schemathesis did not finish in ${options.timeoutMs ?? 300_000} ms:\n${output.slice(-20_000)}` };
    return { ok: code === 0, durationMs, report: findings(output) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The failures section of Schemathesis' output when there is one, else its summary (or its end). */
function findings(output: string): string {
  const failures = output.search(/^=+ (FAILURES|ERRORS) =+$/m);
  const summary = output.search(/^=+ SUMMARY =+$/m);
  const start = failures >= 0 ? failures : summary;
  return (start >= 0 ? output.slice(start) : output).slice(-40_000);
}

function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timedOut = false;
    const collect = (chunk: Buffer) => {
      // The tail is what matters; bounded so a chatty run cannot exhaust memory.
      output = (output + chunk.toString('utf8')).slice(-2_000_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}
