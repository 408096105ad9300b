/**
 * @module Typed, validated configuration read once from the environment.
 *
 * Built on zod/mini rather than zod: every tenant-pod program validates its environment at start-up,
 * and zod/mini costs about 2 ms there where the full zod costs about 28 ms per process.
 */
import * as z from 'zod/mini';
import { parseSecretKey, SECRET_KEY_MESSAGE } from './platform-key.js';
import { startGateOpened, warmedUp } from './start-gate.js';

export class ConfigError extends Error {
  constructor(
    readonly program: string,
    readonly problems: string[],
  ) {
    super(`${program}: invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses `env` with a zod object schema whose keys are environment variable names, and returns a
 * frozen, typed result. A bad or missing variable throws a ConfigError naming it.
 */
export function readConfig<S extends z.ZodMiniType>(program: string, schema: S, env: NodeJS.ProcessEnv = process.env): Readonly<z.output<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      program,
      result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  return Object.freeze(result.data);
}

/**
 * Runs a program's main function once its start gate is open (at once, unless the program was pre-started
 * for a tenant not yet known); a configuration error prints one clear message and exits 2.
 */
export function runMain(main: () => Promise<void>): void {
  startGateOpened()
    .then(warmedUp)
    .then(main)
    .catch((err: unknown) => {
      if (err instanceof ConfigError) {
        process.stderr.write(`${err.message}\n`);
        process.exit(2);
      }
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    });
}

const PORT_MESSAGE = 'must be a TCP port (1-65535)';

/** Common environment value parsers. */
export const env = {
  port: (fallback?: number) => {
    const port = z.pipe(z.coerce.number({ message: PORT_MESSAGE }), z.int({ message: PORT_MESSAGE }).check(z.gte(1, PORT_MESSAGE), z.lte(65535, PORT_MESSAGE)));
    return fallback === undefined ? port : z._default(port, fallback);
  },
  /** An integer in [min, max], with a default. */
  integer: (min: number, max: number, fallback: number) =>
    z._default(
      z.pipe(
        z.coerce.number({ message: `must be a whole number from ${min} to ${max}` }),
        z.int({ message: `must be a whole number from ${min} to ${max}` }).check(z.gte(min, `must be at least ${min}`), z.lte(max, `must be at most ${max}`)),
      ),
      fallback,
    ),
  /**
   * A time span such as 90s, 60m or 2h (at least 1 s), or `off`: milliseconds, undefined when off.
   * @param fallback the default, written the same way
   */
  durationOrOff: (fallback: string) =>
    z.pipe(
      z._default(z.string().check(z.regex(/^(off|[1-9]\d*(s|m|h))$/, 'must be a time such as 90s, 60m or 2h, or off')), fallback),
      z.transform((v: string) => (v === 'off' ? undefined : Number(v.slice(0, -1)) * { s: 1_000, m: 60_000, h: 3_600_000 }[v.slice(-1) as 's' | 'm' | 'h'])),
    ),
  boolean: (fallback: boolean) =>
    z.pipe(
      z._default(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' }), fallback ? 'true' : 'false'),
      z.transform((v: 'true' | 'false' | '1' | '0' | 'yes' | 'no') => v === 'true' || v === '1' || v === 'yes'),
    ),
  url: (protocols: string[]) =>
    z.string().check(
      z.refine(
        (value: string) => {
          try {
            return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
          } catch {
            return false;
          }
        },
        `must be a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`,
      ),
    ),
  /** The platform key (see platform-key.ts), kept as its text. */
  secretKey: () => z.string().check(z.refine((value: string) => parseSecretKey(value) !== undefined, SECRET_KEY_MESSAGE)),
  logLevel: () => z._default(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info'),
};
