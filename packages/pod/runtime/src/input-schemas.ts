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
