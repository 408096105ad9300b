/**
 * @module What a string from outside may hold: the one rule every boundary (route schemas, hand
 * validation) applies, so a NUL or another control character is a 400 that names the field, never
 * a database error.
 */

/** JSON Schema `pattern` of a one-line string: no C0 control character, no DEL. */
export const TEXT_PATTERN = '^[^\\u0000-\\u001F\\u007F]*$';
/** JSON Schema `pattern` of a string that may span lines: tabs and line breaks, no other control character. */
export const MULTILINE_TEXT_PATTERN = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';
/**
 * JSON Schema `pattern` of a person's name (or a display name): no control characters, newlines or
 * line and paragraph separators, so a name can never add lines or headers to anything it is shown in.
 */
export const DISPLAY_NAME_PATTERN = '^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]+$';
export const DISPLAY_NAME_RULE = 'one line of text, without control characters';
/** JSON Schema `pattern` of a calendar date Postgres accepts (`format: date` checks month and day): years 0001 to 9999. */
export const DATE_PATTERN = '^(?!0000)\\d{4}-\\d{2}-\\d{2}$';

const TEXT = new RegExp(TEXT_PATTERN, 'u');

/** Why `value` is not an acceptable one-line string for `field`, or undefined when it is. */
export function textProblem(field: string, value: string): string | undefined {
  return TEXT.test(value) ? undefined : `${field} must not contain control characters (such as NUL, tab or line breaks)`;
}

/** True for a real calendar date with a year from 1 to 9999 (what Postgres' date and timestamptz accept). */
export function isValidCalendarDate(year: number, month: number, day: number): boolean {
  if (!(year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1)) return false;
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
