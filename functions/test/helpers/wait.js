'use strict';
// A deadline-bounded poll: the one way a test waits for something another process does (a function running
// in its own host process, the sandbox). Never a fixed sleep: it returns as soon as `check` holds.

/**
 * Resolves to the first truthy value of `check()`, asked every `everyMs`; rejects naming `what` when
 * `deadlineMs` passes first.
 */
async function waitFor(what, check, { deadlineMs = 8000, everyMs = 15 } = {}) {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`waited ${deadlineMs} ms for ${what}`);
    await new Promise((resolve) => { setTimeout(resolve, everyMs); });
  }
}

module.exports = { waitFor };
