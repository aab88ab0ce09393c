'use strict';
// Pending warm-transfer invites live in the conversation's attributes under `invites.<invite task SID>`.
//
// The Conversations API replaces the whole attributes string and has no compare-and-set, so two invites at
// once can each read, add their entry and write, and the later write drops the earlier entry. Design:
//   1. Entries are keyed by the invite's task SID, so concurrent writers touch different keys and merging
//      whatever each of them read converges to the union.
//   2. Each writer re-reads after a jittered pause and repairs (re-merges and writes again) when its entry is
//      gone, until it has seen its entry CONFIRMATIONS times in a row. A writer that erased another's entry
//      did so with a write that landed inside the other's confirmation window, so the other repairs it.
//   3. A retryable write failure re-reads before writing again, never replays a stale document.
//   4. Before repairing, the invite's task is checked: when it is no longer pending/reserved the plugin may
//      have removed the entry on purpose (accepted/cancelled), so it is not brought back.
// Residual risk (functions/README.md): a writer whose read and write are further apart than another's whole
// confirmation window can still erase that other's entry.

const { withRetry, retryable, sleep } = require(Runtime.getFunctions()['common/helpers/twilio-retry'].path);
const { readBoundedJson, JsonBoundError } = require(Runtime.getFunctions()['common/helpers/bounded-json'].path);

const DEFAULTS = { confirmations: 2, settleMs: [40, 160], maxWrites: 8, random: Math.random };

const BOUNDS = { maxChars: 16384, maxDepth: 32 }; // Conversations' 16 KB; the functions' JSON depth bound

/**
 * Attributes as stored (unreadable ones count as empty). `forMerge`: they are about to be merged and written
 * back, so nesting past the bound is an error instead of a stack overflow in JSON.stringify.
 */
function parseAttributes(text, { forMerge = false } = {}) {
  let parsed;
  try {
    parsed = readBoundedJson(text || '{}', 'attributes', BOUNDS);
  } catch (error) {
    if (!(error instanceof JsonBoundError)) throw error;
    if (forMerge && /^nested deeper/.test(error.message)) {
      throw new Error(`conversation attributes: ${error.message}; not merged (fix: repair them with update-attributes)`);
    }
    try {
      parsed = JSON.parse(text); // stored by someone else: read them as Twilio's own readers do
    } catch {
      return {};
    }
  }
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
}

async function readAttributes(client, conversationSid, options = {}) {
  const conversation = await withRetry(() => client.conversations.v1.conversations(conversationSid).fetch());
  return parseAttributes(conversation.attributes, options);
}

function pendingInvites(attributes) {
  const invites = attributes.invites;
  return invites && typeof invites === 'object' && !Array.isArray(invites) ? invites : {};
}

/**
 * Add `entry` as attributes.invites[taskSid] and keep it there against concurrent writers.
 * `stillPending()` (optional) answers whether the invite is still outstanding.
 * Resolves to {writes, reads, confirmed: true} or {..., dropped: true} when the invite resolved meanwhile.
 */
async function recordInvite(client, conversationSid, taskSid, entry, options = {}) {
  const { confirmations, settleMs, maxWrites, random, stillPending } = { ...DEFAULTS, ...options };
  const pause = () => sleep(settleMs[0] + random() * (settleMs[1] - settleMs[0]));
  let writes = 0;
  let reads = 0;
  let confirmed = 0;
  for (;;) {
    const attributes = await readAttributes(client, conversationSid, { forMerge: true });
    reads += 1;
    if (pendingInvites(attributes)[taskSid]) {
      confirmed += 1;
      if (confirmed >= confirmations) return { writes, reads, confirmed: true };
    } else {
      confirmed = 0;
      if (writes > 0 && stillPending && !(await stillPending())) return { writes, reads, dropped: true };
      if (writes >= maxWrites) {
        throw new Error(`invites.${taskSid}: could not keep the entry in conversation ${conversationSid} after ${writes} writes (concurrent updates)`);
      }
      const merged = { ...attributes, invites: { ...pendingInvites(attributes), [taskSid]: entry } };
      try {
        await client.conversations.v1.conversations(conversationSid).update({ attributes: JSON.stringify(merged) });
        writes += 1;
      } catch (error) {
        if (!retryable(error)) throw error;
        writes += 1; // counts against maxWrites; the next round re-reads instead of replaying this document
      }
    }
    await pause();
  }
}

/**
 * Take attributes.invites[taskSid] out again (an invite whose task was canceled before it was answered).
 * One read and one write: a concurrent writer's entries are kept as read, like every merge here.
 */
async function forgetInvite(client, conversationSid, taskSid) {
  const attributes = await readAttributes(client, conversationSid, { forMerge: true });
  const invites = pendingInvites(attributes);
  if (!invites[taskSid]) return false;
  const rest = { ...invites };
  delete rest[taskSid];
  await withRetry(() => client.conversations.v1.conversations(conversationSid).update({ attributes: JSON.stringify({ ...attributes, invites: rest }) }));
  return true;
}

/** True when the conversation's attributes list no pending invite. */
function hasNoPendingInvites(attributes) {
  return Object.keys(pendingInvites(attributes)).length === 0;
}

module.exports = { recordInvite, forgetInvite, readAttributes, parseAttributes, pendingInvites, hasNoPendingInvites };
