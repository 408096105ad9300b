/** @module Kafka cluster ids, made the way Kafka's own Uuid.randomUuid makes them. */
import { randomBytes } from 'node:crypto';

/**
 * A KRaft cluster id: 16 random bytes in URL-safe base64 without padding. Like Kafka's own generator, it never
 * begins with '-' (one id in 64 would), which a command line would read as an option.
 */
export function kafkaClusterId(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const id = random(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The StorageTool arguments that format `config` with `clusterId`; `=` keeps any id a value, never an option. */
export const kafkaFormatArgs = (clusterId: string, config: string) => ['format', `--cluster-id=${clusterId}`, `--config=${config}`];
