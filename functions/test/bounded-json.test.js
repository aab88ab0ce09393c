'use strict';
// The bounded JSON reader on its own (it needs no Twilio): what it lets through and the line it refuses with.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { readBoundedJson, JsonBoundError } = require('../functions/common/helpers/bounded-json.private');

const read = (text, maxDepth = 4, maxChars = 1000) => readBoundedJson(text, 'field', { maxChars, maxDepth });
const refusal = (text, maxDepth, maxChars) => {
  try {
    read(text, maxDepth, maxChars);
  } catch (error) {
    assert.ok(error instanceof JsonBoundError, error);
    return error.message;
  }
  return assert.fail(`accepted ${text}`);
};

test('brackets, quotes and keys inside strings do not count as structure', () => {
  const text = '{"a":"}]{[\\"a\\":","b":["{","\\\\"],"c":{"d":"\\u007b"}}';
  assert.deepEqual(read(text, 2), JSON.parse(text));
});

test('the same key in different objects (siblings, array items, nested) is not a duplicate', () => {
  const text = '{"id":1,"x":{"id":2},"list":[{"id":3},{"id":4}]}';
  assert.deepEqual(read(text, 3), JSON.parse(text));
});

test('exactly maxDepth levels pass; one more names the path and the limit', () => {
  assert.deepEqual(read('{"a":[{"b":[1]}]}', 4), { a: [{ b: [1] }] });
  assert.equal(refusal('{"a":[{"b":[[1]]}]}', 4), 'nested deeper than 4 levels at field.a[0].b[0]');
  assert.equal(refusal('[1,2,[3,[4,{"k y":[]}]]]', 4), 'nested deeper than 4 levels at field[2][1][1]["k y"]');
});

test('a repeated key, also spelt with an escape, is refused at its path', () => {
  assert.equal(refusal('{"a":{"b":1,"c":2,"\\u0062":3}}', 4),
    'duplicate key "b" at field.a.b; a JSON object must not repeat a key (JSON.parse would silently keep the last)');
  assert.match(refusal('[{"x":1},{"x":1,"x":2}]', 4), /^duplicate key "x" at field\[1\]\.x;/);
});

test('size is checked first; syntax errors are one line; scalars and deep input never overflow the stack', () => {
  assert.equal(refusal('"x"'.padEnd(2000, ' '), 4, 1000), '2000 characters, over the limit of 1000');
  assert.match(refusal('{"a":', 4), /^not valid JSON \(/);
  assert.equal(read('"just text"'), 'just text');
  assert.match(refusal('['.repeat(200000) + ']'.repeat(200000), 32, 1e6), /^nested deeper than 32 levels at field(\[0\]){32}$/);
});
