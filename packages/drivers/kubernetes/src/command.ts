/**
 * @module Runs a tool (terraform, helm, kubectl) as a child process: every line it prints goes to the step's
 * log as it comes, it is stopped at its timeout (SIGTERM to its process group, SIGKILL after a grace period),
 * and a failure says which command failed and how, with the last lines it printed.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface CommandOptions {
  /** Environment for the tool, besides what it needs of the master's own (see toolEnvironment). */
  env?: Record<string, string>;
  timeoutMs: number;
  /** After SIGTERM at the timeout, how long before SIGKILL. @defaultValue 10 s */
  killGraceMs?: number;
  /** Called with each line of output as it is printed (stderr lines prefixed with `! `). */
  onLine?: (line: string) => void;
  /** Stdout is data (e.g. `terraform output -json`, which holds secrets): kept, never passed to onLine. */
  quietStdout?: boolean;
}

/** A tool that exited with an error, was killed at its timeout, or could not start. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

const TAIL_LINES = 12;

/** Runs `command args`, resolving with its stdout once it exits 0. */
export function runCommand(command: string, args: readonly string[], options: CommandOptions): Promise<string> {
  const shown = `${command.split('/').pop()} ${args.find((a) => !a.startsWith('-')) ?? ''}`.trim();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...toolEnvironment(), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a timeout stops the tool and whatever it started (providers, plugins).
      detached: true,
    });
    let stdout = '';
    const tail: string[] = [];
    const remember = (line: string) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
    };
    child.stdout.setEncoding('utf8');
    if (options.quietStdout) {
      child.stdout.on('data', (chunk: string) => (stdout += chunk));
    } else {
      createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
        stdout += `${line}\n`;
        remember(line);
        if (line.trim()) options.onLine?.(line);
      });
    }
    createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => {
      remember(line);
      if (line.trim()) options.onLine?.(`! ${line}`);
    });

    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      options.onLine?.(`! ${shown}: no result after ${seconds(options.timeoutMs)}; interrupting it`);
      // An interrupt to the tool alone, as Ctrl-C would: terraform then stops its providers itself and
      // releases the state lock. Whatever is left of its process group is killed after the grace period.
      child.kill('SIGINT');
      killer = setTimeout(killGroup, options.killGraceMs ?? 10_000);
    }, options.timeoutMs);

    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new CommandError(`${shown}: could not start ${command}: ${err.message}`, null, ''));
    });
    child.on('close', (code, exitSignal) => {
      clearTimeout(timer);
      clearTimeout(killer);
      if (timedOut) killGroup(); // Anything it left behind in its group.
      const output = tail.join('\n');
      if (timedOut) reject(new CommandError(`${shown} timed out after ${seconds(options.timeoutMs)}${lastWords(tail)}`, code, output));
      else if (code !== 0)
        reject(new CommandError(`${shown} failed (${exitSignal ? `signal ${exitSignal}` : `exit ${code}`})${lastWords(tail)}`, code, output));
      else resolve(stdout);
    });
  });
}

/**
 * `kubectl get <args> -o json`, parsed; or, when the API server answers NotFound or Forbidden (a tenant's namespace
 * deleted takes the master's binding there with it), `absent` with kubectl's own words.
 */
export async function kubectlGet<T>(kubectl: string, args: readonly string[], env?: Record<string, string>): Promise<{ object: T } | { absent: string }> {
  try {
    return { object: JSON.parse(await runCommand(kubectl, ['get', ...args, '-o', 'json'], { env, timeoutMs: 60_000, quietStdout: true })) as T };
  } catch (err) {
    if (err instanceof CommandError && /forbidden|not ?found/i.test(err.output)) return { absent: err.message };
    throw err;
  }
}

/**
 * What a tool gets of the master's environment: its search path, locale and temporary folder, the
 * cloud and cluster credentials (AWS_*, in-cluster KUBERNETES_SERVICE_*), proxies and the tools' own
 * settings. Never the master's database URL, admin token or Redis and SMTP logins.
 */
export function toolEnvironment(environment: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const wanted =
    /^(PATH|HOME|TMPDIR|LANG|LC_\w+|TZ|AWS_\w+|KUBECONFIG|KUBERNETES_SERVICE_\w+|TF_\w+|HELM_\w+|SSL_CERT_\w+|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy)$/;
  return Object.fromEntries(Object.entries(environment).filter((e): e is [string, string] => wanted.test(e[0]) && e[1] !== undefined));
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** The tool's own error lines, which say what went wrong (terraform and helm print them last). */
function lastWords(tail: readonly string[]): string {
  const lines = tail
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-4);
  return lines.length > 0 ? `: ${lines.join(' | ')}` : '';
}
