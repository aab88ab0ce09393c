'use strict';
// Form-parameter checks. Every problem is one line: `<parameter>: <what is wrong> (fix: <how>)`,
// naming what the parameter is for so a caller knows what to send. Every reader has a size bound, and JSON
// fields also a depth bound and no repeated keys (bounded-json), so no input can crash a function.

const { readBoundedJson, JsonBoundError } = require(Runtime.getFunctions()['common/helpers/bounded-json'].path);

const SID = /^[A-Z]{2}[0-9a-fA-F]{32}$/;
const TEXT_MAX = 256; // characters of a plain text field (names, SIDs); JSON fields set their own bound
const JSON_DEPTH_MAX = 32; // levels of nesting in a JSON field (task and conversation attributes are shallow)

/** A refused request: `status` 4xx and one line. Thrown before any write; answered `{data: null, message}`. */
class Refusal extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/** Input the caller must fix: 400. */
class ParameterError extends Refusal {
  constructor(message) {
    super(message, 400);
  }
}

/** The signed-in agent may not do this (not in the chat, not their participant): 403. */
class NotAllowed extends Refusal {
  constructor(message) {
    super(message, 403);
  }
}

/** The request lost a race with another change of the same chat (e.g. the chat was closed meanwhile): 409. */
class Conflict extends Refusal {
  constructor(message) {
    super(message, 409);
  }
}

/**
 * The Functions environment is set wrong (an environment variable): the operator's to fix, not the caller's,
 * so a 500 `{success: false, message}` with its one line, thrown before any write.
 */
class Misconfiguration extends Error {}

function problem(name, what, fix) {
  return `${name}: ${what} (fix: ${fix})`;
}

/** The field as one string: a repeated field (an array) or an object is refused, so is one over `max`. */
function text(event, name, max = TEXT_MAX) {
  const value = event[name];
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) {
    throw new ParameterError(problem(name, `sent ${value.length} times; it is one value`, `send the form field ${name} once`));
  }
  if (typeof value === 'object') {
    throw new ParameterError(problem(name, 'is a structure, not text', `send ${name} as one form field holding text`));
  }
  const string = String(value);
  if (string.length > max) {
    throw new ParameterError(problem(name, `${string.length} characters, over the limit of ${max}`, `send at most ${max} characters`));
  }
  return string.trim();
}

/** The value of a required form field, or a ParameterError naming it and its purpose. */
function required(event, name, purpose, max = TEXT_MAX) {
  const value = text(event, name, max);
  if (value === '') {
    throw new ParameterError(problem(name, `missing; it is ${purpose}`, `send the form field ${name}`));
  }
  return value;
}

function optional(event, name, max = TEXT_MAX) {
  return text(event, name, max);
}

/** A SID with one of the given prefixes. */
function sid(name, value, prefixes, purpose) {
  if (!SID.test(value) || !prefixes.includes(value.slice(0, 2))) {
    const expected = prefixes.map((prefix) => `${prefix}…`).join(' or ');
    throw new ParameterError(problem(name, `"${value.slice(0, 40)}" is not a ${expected} SID; it is ${purpose}`,
      `send ${expected} (2 letters + 32 hex digits)`));
  }
  return value;
}

/** A form field holding a JSON object, within `maxChars` and JSON_DEPTH_MAX levels, with no repeated key. */
function jsonObject(name, value, purpose, maxChars) {
  let parsed;
  try {
    parsed = readBoundedJson(value, name, { maxChars, maxDepth: JSON_DEPTH_MAX });
  } catch (error) {
    if (!(error instanceof JsonBoundError)) throw error;
    throw new ParameterError(problem(name, `${error.message}; it is ${purpose}`,
      'send a JSON object string within the limits, each key once, e.g. {}'));
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ParameterError(problem(name, `must be a JSON object, got ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}; it is ${purpose}`,
      'send a JSON object string, e.g. {}'));
  }
  return parsed;
}

/** Environment variables the function cannot work without. */
function environment(context, names) {
  const missing = names.filter((name) => !context[name] || String(context[name]).trim() === '');
  if (missing.length) {
    throw new ParameterError(problem(missing.join(', '), 'environment variable(s) not set on this Functions environment',
      'set them as Variables of the Serverless environment (the infra program does this on deploy)'));
  }
  return Object.fromEntries(names.map((name) => [name, String(context[name]).trim()]));
}

module.exports = {
  Refusal, ParameterError, NotAllowed, Conflict, Misconfiguration, required, optional, text, sid, jsonObject, environment, problem, TEXT_MAX, JSON_DEPTH_MAX,
};
