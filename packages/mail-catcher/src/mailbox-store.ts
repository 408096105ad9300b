/** @module Caught messages on disk: one folder per tenant mailbox, one JSON file per message. */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser, type AddressObject, type EmailAddress } from 'mailparser';
import { TenantryError } from '@tenantry/core';
import { isMailboxName } from './credentials.js';

export const MailErrors = {
  invalidMailbox: (mailbox: string) =>
    new TenantryError('INVALID_MAILBOX', 400, `mailbox ${JSON.stringify(mailbox)} is not a tenant slug (a-z, 0-9 and '-', at most 63 characters)`),
  invalidMessageId: (id: string) => new TenantryError('INVALID_MESSAGE_ID', 400, `message id ${JSON.stringify(id)} is not a message id`),
  messageNotFound: (mailbox: string, id: string) => new TenantryError('MESSAGE_NOT_FOUND', 404, `mailbox ${mailbox} has no message ${id}`),
} as const;

/** A caught message as the mailbox API returns it. */
export interface MailMessage {
  id: string;
  /** The From header, e.g. `Acme <no-reply@acme.test>`; empty when the message has none. */
  from: string;
  /** The addresses of the To header. */
  to: string[];
  subject: string;
  /** The Date header (ISO 8601), or the time the message was caught when it has none. */
  date: string;
  /** Bytes of the raw message as received. */
  size: number;
  text: string;
  html: string | null;
}

/** A message in a mailbox listing: everything but the bodies. */
export type MailSummary = Omit<MailMessage, 'text' | 'html'>;

export interface MailboxStoreOptions {
  /** Messages kept per mailbox; saving one more removes the oldest. @defaultValue 500 */
  maxPerMailbox?: number;
}

// Milliseconds in base 36, padded to a fixed width so that ids sort by time as plain strings.
const MESSAGE_ID = /^[0-9a-z]{9}-[0-9a-f]{12}$/;
const MESSAGE_FILE = /^([0-9a-z]{9}-[0-9a-f]{12})\.json$/;

export function isMessageId(value: unknown): value is string {
  return typeof value === 'string' && MESSAGE_ID.test(value);
}

export class MailboxStore {
  readonly maxPerMailbox: number;
  /** Message files never change once written, so their summaries can be kept without invalidation. */
  private readonly summaries = new Map<string, Map<string, MailSummary>>();
  private lastTime = 0;

  constructor(
    readonly dataDir: string,
    options: MailboxStoreOptions = {},
  ) {
    const max = options.maxPerMailbox ?? 500;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxPerMailbox must be a whole number of at least 1, got ${max}`);
    this.maxPerMailbox = max;
  }

  /** Parses and keeps a raw RFC 5322 message; returns it as stored. */
  async save(mailbox: string, raw: Buffer): Promise<MailMessage> {
    const folder = this.folder(mailbox);
    const parsed = await simpleParser(raw);
    const id = this.newId();
    const message: MailMessage = {
      id,
      from: parsed.from ? addresses(parsed.from).join(', ') : '',
      to: parsed.to ? addresses(parsed.to) : [],
      subject: parsed.subject ?? '',
      date: (parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : new Date()).toISOString(),
      size: raw.length,
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : null,
    };
    await mkdir(folder, { recursive: true, mode: 0o700 });
    // Written under a name the listing ignores, then renamed: a reader never sees half a message.
    const temporary = join(folder, `.${id}.tmp`);
    try {
      await writeFile(temporary, JSON.stringify(message), { flag: 'wx', mode: 0o600 });
      await rename(temporary, join(folder, `${id}.json`));
    } catch (err) {
      await rm(temporary, { force: true });
      throw err;
    }
    this.cache(mailbox).set(id, summaryOf(message));
    await this.prune(mailbox);
    return message;
  }

  /** The mailbox's messages, newest first, without their bodies. */
  async list(mailbox: string): Promise<MailSummary[]> {
    const ids = (await this.ids(mailbox)).reverse();
    const cached = this.cache(mailbox);
    const present = new Set(ids);
    for (const id of cached.keys()) if (!present.has(id)) cached.delete(id);
    const summaries = await Promise.all(
      ids.map(async (id) => {
        const known = cached.get(id);
        if (known) return known;
        const message = await this.read(mailbox, id);
        if (!message) return undefined;
        const summary = summaryOf(message);
        cached.set(id, summary);
        return summary;
      }),
    );
    return summaries.filter((s): s is MailSummary => s !== undefined);
  }

  async get(mailbox: string, id: string): Promise<MailMessage> {
    this.folder(mailbox);
    checkId(id);
    const message = await this.read(mailbox, id);
    if (!message) throw MailErrors.messageNotFound(mailbox, id);
    return message;
  }

  /** Removes one message; false when there was no such message. */
  async delete(mailbox: string, id: string): Promise<boolean> {
    const folder = this.folder(mailbox);
    checkId(id);
    this.summaries.get(mailbox)?.delete(id);
    try {
      await rm(join(folder, `${id}.json`));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** Removes the whole mailbox, as when its tenant is deleted. */
  async clear(mailbox: string): Promise<void> {
    const folder = this.folder(mailbox);
    this.summaries.delete(mailbox);
    await rm(folder, { recursive: true, force: true });
  }

  private folder(mailbox: string): string {
    if (!isMailboxName(mailbox)) throw MailErrors.invalidMailbox(String(mailbox));
    return join(this.dataDir, mailbox);
  }

  private cache(mailbox: string): Map<string, MailSummary> {
    let cached = this.summaries.get(mailbox);
    if (!cached) {
      cached = new Map();
      this.summaries.set(mailbox, cached);
    }
    return cached;
  }

  /** The ids of the mailbox's messages, oldest first. */
  private async ids(mailbox: string): Promise<string[]> {
    const names = await readdir(this.folder(mailbox)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    const ids: string[] = [];
    for (const name of names) {
      const match = MESSAGE_FILE.exec(name);
      if (match) ids.push(match[1]!);
    }
    return ids.sort();
  }

  private async read(mailbox: string, id: string): Promise<MailMessage | undefined> {
    try {
      return JSON.parse(await readFile(join(this.folder(mailbox), `${id}.json`), 'utf8')) as MailMessage;
    } catch (err) {
      // Deleted between the listing and the read (by a DELETE or by pruning): simply gone.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  private async prune(mailbox: string): Promise<void> {
    const ids = await this.ids(mailbox);
    const excess = ids.slice(0, Math.max(0, ids.length - this.maxPerMailbox));
    const cached = this.summaries.get(mailbox);
    await Promise.all(
      excess.map((id) => {
        cached?.delete(id);
        return rm(join(this.folder(mailbox), `${id}.json`), { force: true });
      }),
    );
  }

  /**
   * Time-sortable and unique: the clock is kept strictly increasing within the process, so two
   * messages caught in the same millisecond still list in the order they arrived.
   */
  private newId(): string {
    this.lastTime = Math.max(Date.now(), this.lastTime + 1);
    return `${this.lastTime.toString(36).padStart(9, '0')}-${randomBytes(6).toString('hex')}`;
  }
}

function checkId(id: string): void {
  if (!isMessageId(id)) throw MailErrors.invalidMessageId(String(id));
}

function summaryOf(message: MailMessage): MailSummary {
  const { text: _text, html: _html, ...summary } = message;
  return summary;
}

function addresses(header: AddressObject | AddressObject[]): string[] {
  const flatten = (entries: EmailAddress[]): EmailAddress[] => entries.flatMap((e) => (e.group ? flatten(e.group) : [e]));
  return flatten((Array.isArray(header) ? header : [header]).flatMap((h) => h.value))
    .filter((e) => e.address)
    .map((e) => (e.name ? `${e.name} <${e.address}>` : e.address!));
}
