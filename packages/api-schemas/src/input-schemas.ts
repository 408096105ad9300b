/**
 * @module The string schemas (TypeBox) every pod API builds its route schemas from, so every
 * string field, path parameter and query value refuses control characters, and every date is one
 * Postgres accepts: bad input is a 400 at validation, never a database error.
 */
import { Type, type StringOptions } from '@sinclair/typebox';
import { DATE_PATTERN, DISPLAY_NAME_PATTERN, DISPLAY_NAME_RULE, MULTILINE_TEXT_PATTERN, TEXT_PATTERN } from '@tenantry/core';

/** A one-line string: no control character (NUL, tab, line breaks...). */
export const Text = (options: StringOptions = {}) => Type.String({ pattern: TEXT_PATTERN, ...options });
/** A string that may span lines (tabs and line breaks allowed), no other control character. */
export const MultilineText = (options: StringOptions = {}) => Type.String({ pattern: MULTILINE_TEXT_PATTERN, ...options });
/** A person's name or a display name: one non-empty line, without control characters or line separators. */
export const DisplayName = (options: StringOptions = {}) =>
  Type.String({ minLength: 1, pattern: DISPLAY_NAME_PATTERN, description: DISPLAY_NAME_RULE, ...options });
/** A calendar date, `YYYY-MM-DD`, year 0001 to 9999 (`format: date` checks the month and day). */
export const DateOnly = (options: StringOptions = {}) => Type.String({ format: 'date', pattern: DATE_PATTERN, ...options });
/** A UUID in its plain 8-4-4-4-12 hex form (Ajv's `format: uuid` also lets `urn:uuid:` through, which Postgres refuses). */
export const Uuid = (options: StringOptions = {}) =>
  Type.String({ format: 'uuid', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', ...options });

/** A regular expression source matching the decimal numbers from 1 to `max`, without leading zeros. */
export function wholeNumberPattern(max: number): string {
  const digits = String(max);
  const alternatives = digits.length > 1 ? [`[1-9][0-9]{0,${digits.length - 2}}`] : [];
  for (let i = 0; i < digits.length; i++) {
    const low = i === 0 ? 1 : 0;
    const high = Number(digits[i]) - 1;
    if (high < low) continue;
    const rest = digits.length - i - 1;
    alternatives.push(`${digits.slice(0, i)}[${low}-${high}]${rest ? `[0-9]{${rest}}` : ''}`);
  }
  alternatives.push(digits);
  return `^(?:${alternatives.join('|')})$`;
}

/**
 * A query value that is a whole number from 1 to `max`, written in plain digits: a string schema,
 * because coercing the query to a number would let `1e3` or ` 12` through as numbers.
 */
export const WholeNumberText = (max: number, options: StringOptions = {}) =>
  Type.String({ pattern: wholeNumberPattern(max), description: `must be a whole number from 1 to ${max}`, ...options });
