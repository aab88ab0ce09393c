'use strict';
// Form-parameter checks. Every problem is one line: `<parameter>: <what is wrong> (fix: <how>)`,
// naming what the parameter is for so a caller knows what to send.

const SID = /^[A-Z]{2}[0-9a-fA-F]{32}$/;

class ParameterError extends Error {}

function problem(name, what, fix) {
  return `${name}: ${what} (fix: ${fix})`;
}

/** The value of a required form field, or a ParameterError naming it and its purpose. */
function required(event, name, purpose) {
  const value = event[name];
  if (value === undefined || value === null || String(value).trim() === '') {
    throw new ParameterError(problem(name, `missing; it is ${purpose}`, `send the form field ${name}`));
  }
  return String(value).trim();
}

function optional(event, name) {
  const value = event[name];
  return value === undefined || value === null ? '' : String(value).trim();
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

/** A form field holding a JSON object. */
function jsonObject(name, text, purpose) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ParameterError(problem(name, `not valid JSON (${error.message}); it is ${purpose}`,
      'send a JSON object string, e.g. {}'));
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ParameterError(problem(name, `must be a JSON object, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}; it is ${purpose}`,
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

module.exports = { ParameterError, required, optional, sid, jsonObject, environment, problem };
