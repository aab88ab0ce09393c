'use strict';
// JSON read from a form field with bounds: at most `maxChars` characters, nested at most `maxDepth` levels,
// and no object repeating a key. JSON.parse alone accepts all three (a later JSON.stringify of a few thousand
// levels then dies with "Maximum call stack size exceeded", and a repeated key silently keeps the last value).
//
// JSON.parse (iterative in V8) checks the syntax first; the structure of the now-valid text is then walked
// once, without recursion, to check depth and keys. Each problem is one line naming the JSON path.

const PATH_SHOWN_MAX = 120; // characters of a JSON path quoted in a message

class JsonBoundError extends Error {}

function segment(key) {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}]`;
}

function shownPath(name, frames) {
  let path = name;
  for (const frame of frames) {
    path += frame.kind === '{' ? (frame.key === undefined ? '' : segment(frame.key)) : `[${frame.index}]`;
    if (path.length > PATH_SHOWN_MAX) return `${path.slice(0, PATH_SHOWN_MAX)}…`;
  }
  return path;
}

/** Index just past the string literal starting at text[start] (a `"`); the text is known to be valid JSON. */
function stringEnd(text, start) {
  for (let i = start + 1; ; i += 1) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5c) i += 1; // backslash: skip the escaped character
    else if (ch === 0x22) return i + 1;
  }
}

/** Walk valid JSON text: throws JsonBoundError past `maxDepth` or on a repeated key. */
function checkStructure(text, name, maxDepth) {
  const frames = []; // {kind: '{' | '[', keys: Set, key, index, expectKey}
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    const top = frames[frames.length - 1];
    if (ch === '"') {
      const end = stringEnd(text, i);
      if (top && top.kind === '{' && top.expectKey) {
        const key = JSON.parse(text.slice(i, end));
        top.expectKey = false;
        top.key = key;
        if (top.keys.has(key)) {
          throw new JsonBoundError(`duplicate key ${JSON.stringify(key.slice(0, 40))} at ${shownPath(name, frames)}; a JSON object must not repeat a key (JSON.parse would silently keep the last)`);
        }
        top.keys.add(key);
      }
      i = end - 1;
    } else if (ch === '{' || ch === '[') {
      if (frames.length >= maxDepth) {
        throw new JsonBoundError(`nested deeper than ${maxDepth} levels at ${shownPath(name, frames)}`);
      }
      frames.push(ch === '{' ? { kind: '{', keys: new Set(), expectKey: true } : { kind: '[', index: 0 });
    } else if (ch === '}' || ch === ']') {
      frames.pop();
    } else if (ch === ',' && top) {
      if (top.kind === '{') top.expectKey = true;
      else top.index += 1;
    }
  }
}

/**
 * Parse `text` (the value of form field `name`) within the bounds. Throws JsonBoundError with one line
 * (what, where, the limit) on invalid JSON, oversize, too deep nesting or a duplicate key.
 */
function readBoundedJson(text, name, { maxChars, maxDepth }) {
  if (text.length > maxChars) {
    throw new JsonBoundError(`${text.length} characters, over the limit of ${maxChars}`);
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new JsonBoundError(`not valid JSON (${String(error.message).split('\n')[0]})`);
  }
  checkStructure(text, name, maxDepth);
  return value;
}

module.exports = { readBoundedJson, JsonBoundError };
