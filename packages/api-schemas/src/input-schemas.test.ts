/** The whole-number pattern of query values: exactly the numbers from 1 to the maximum, in plain digits. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wholeNumberPattern } from './input-schemas.js';

test('wholeNumberPattern(max) matches 1 to max and nothing else', () => {
  for (const max of [1, 9, 10, 99, 100, 1440, 5000, 9600, 12345]) {
    const pattern = new RegExp(wholeNumberPattern(max), 'u');
    for (let n = 0; n <= max + 120; n++) assert.equal(pattern.test(String(n)), n >= 1 && n <= max, `${n} against 1..${max}`);
    for (const text of ['', '01', '1e3', ' 1', '1 ', '+1', '-1', '1.0', '0x1', '１'])
      assert.equal(pattern.test(text), false, `${JSON.stringify(text)} against 1..${max}`);
  }
});
