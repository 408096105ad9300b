/**
 * @module Makes ioredis run a defined Lua script (BullMQ's) by its hash first, always. ioredis sends
 * a script's whole text (EVAL) the first time each connection runs it; a tenant's Redis login may not
 * EVAL (see `TENANT_REDIS_COMMANDS` in @tenantry/core): it runs only the scripts the platform loaded
 * into the server's cache (`loadTenantScripts` in @tenantry/control-plane), by EVALSHA. Only when the
 * server answers NOSCRIPT is the text sent, which a tenant's login is refused, with a message that says
 * what is missing. Imported for its effect by the module that hands ioredis connections to BullMQ.
 */
import * as ScriptModule from 'ioredis/built/Script.js';
import { Command } from 'ioredis';

/** What ioredis keeps of a defined script (private in its types). */
interface DefinedScript {
  lua: string;
  sha: string;
  numberOfKeys: number | null;
  keyPrefix: string;
  readOnly: boolean;
}

interface CommandContainer {
  sendCommand(command: Command): unknown;
  /** Set on a pipeline or MULTI, whose `redis` is the connection. */
  isPipeline?: boolean;
  redis?: CommandContainer;
}

// A CommonJS module: Node gives its exports object as the default, a bundler may give the class.
const imported = ScriptModule as unknown as { default: { default?: { prototype: object } } & { prototype: object } };
const Script = imported.default.default ?? imported.default;

function execute(
  this: DefinedScript,
  container: CommandContainer,
  args: (string | number | Buffer)[],
  options: Record<string, unknown>,
  callback?: (err: Error | null, result?: unknown) => void,
) {
  if (typeof this.numberOfKeys === 'number') args.unshift(this.numberOfKeys);
  if (this.keyPrefix) options.keyPrefix = this.keyPrefix;
  if (this.readOnly) options.readOnly = true;
  const byHash = new Command('evalsha', [this.sha, ...args], options);
  const { lua, sha } = this;
  byHash.promise = byHash.promise.catch((err: Error) => {
    if (!err.message.includes('NOSCRIPT')) throw err;
    // Not in the server's cache (a server restarted since the platform loaded it): the platform's own
    // login may send the text; a tenant's is refused, and is told why.
    const byText = new Command('eval', [lua, ...args], options);
    const connection = container.isPipeline ? container.redis! : container;
    connection.sendCommand(byText);
    return byText.promise.catch((refused: Error) => {
      if (!refused.message.includes('NOPERM')) throw refused;
      throw new Error(
        `Redis does not hold the queue script ${sha} and this login may not load one: the platform loads them at start-up and whenever Redis restarts (${refused.message})`,
        { cause: refused },
      );
    });
  });
  if (callback) byHash.promise.then((result) => callback(null, result), callback);
  return container.sendCommand(byHash);
}

Object.defineProperty(Script.prototype, 'execute', { value: execute, writable: true, configurable: true });
