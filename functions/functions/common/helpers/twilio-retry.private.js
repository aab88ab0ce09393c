'use strict';
// Twilio calls retried when Twilio says "try again": 412 (a concurrent update), 429 (too many concurrent
// requests: never processed) and 503 (unavailable). Exponential backoff with full jitter, bounded so the whole
// function stays well inside the 10 s Functions limit.

const RETRY_STATUSES = new Set([412, 429, 503]);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function retryable(error) {
  return Boolean(error) && RETRY_STATUSES.has(Number(error.status));
}

/**
 * Run `call` (a function returning a promise) until it succeeds, fails with a status not worth retrying,
 * or `attempts` tries are used up. `call` runs again from scratch, so it must re-read anything it writes.
 */
async function withRetry(call, { attempts = 5, baseMs = 100, maxMs = 1500, random = Math.random } = {}) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call(attempt);
    } catch (error) {
      if (attempt >= attempts || !retryable(error)) throw error;
      await sleep(random() * Math.min(maxMs, baseMs * 2 ** (attempt - 1)));
    }
  }
}

/** Turn Twilio's 404 for a resource the caller named into `toError()` (a ParameterError naming the field). */
async function orNotFound(call, toError) {
  try {
    return await call();
  } catch (error) {
    if (error && Number(error.status) === 404) throw toError(error);
    throw error;
  }
}

module.exports = { withRetry, retryable, sleep, orNotFound, RETRY_STATUSES };
