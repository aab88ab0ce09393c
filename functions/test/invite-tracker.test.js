'use strict';
// The invite tracker (features/conversation-transfer/helpers/invite-tracker) against a real sandbox, with a
// concurrent writer that acts at an exact point: right after each of the tracker's own writes. The writer
// wraps the twilio client the tracker is given (a real second write to the sandbox, no stand-in for our
// code), so the interleavings the README's "Concurrent warm invites" describes happen every run, in order.

const { test, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { useSandbox, FUNCTIONS_PROJECT } = require('./helpers/sandbox');
const { seededChat } = require('./helpers/chat');
const { functionsOf } = require('../../sandbox/runtime/lib/host');

global.Runtime = { getFunctions: () => functionsOf(FUNCTIONS_PROJECT) };
const { recordInvite } = require('../functions/features/conversation-transfer/helpers/invite-tracker.private');

const sandbox = useSandbox();
let client;
let chat;


beforeEach(async () => {
  await sandbox.reset();
  client = sandbox.client();
  chat = await seededChat(sandbox);
});

/** `client` whose conversation updates are each followed, before the caller hears back, by `afterWrite(n)`. */
function withWriterAfterEachWrite(afterWrite) {
  let writes = 0;
  return {
    conversations: {
      v1: {
        conversations: (sid) => {
          const real = client.conversations.v1.conversations(sid);
          return {
            fetch: () => real.fetch(),
            update: async (params) => {
              const answer = await real.update(params);
              writes += 1;
              await afterWrite(writes, sid);
              return answer;
            },
          };
        },
      },
    },
  };
}

const erase = (sid) => client.conversations.v1.conversations(sid).update({ attributes: JSON.stringify({ keep: 'me' }) });

async function invites() {
  const conversation = await client.conversations.v1.conversations(chat.conversationSid).fetch();
  return JSON.parse(conversation.attributes).invites || {};
}

const ENTRY = { invitesTaskSid: `WT${'1'.repeat(32)}`, targetSid: `WQ${'2'.repeat(32)}`, inviteTargetType: 'Queue' };

test('a stale write that erases the entry once is repaired: the entry is there, the other attributes kept', async () => {
  const tracked = withWriterAfterEachWrite(async (n, sid) => { if (n === 1) await erase(sid); });
  const result = await recordInvite(tracked, chat.conversationSid, ENTRY.invitesTaskSid, ENTRY, { stillPending: async () => true });
  assert.deepEqual(result, { writes: 2, reads: 4, confirmed: true });
  assert.deepEqual(await invites(), { [ENTRY.invitesTaskSid]: ENTRY });
  const attributes = JSON.parse((await client.conversations.v1.conversations(chat.conversationSid).fetch()).attributes);
  assert.equal(attributes.keep, 'me');
});

test('an invite resolved while its entry is being repaired is not brought back', async () => {
  // The erasing writer is the plugin's tracker removing the entry of an invite just accepted.
  let pending = true;
  const tracked = withWriterAfterEachWrite(async (n, sid) => {
    if (n === 1) {
      pending = false;
      await erase(sid);
    }
  });
  const result = await recordInvite(tracked, chat.conversationSid, ENTRY.invitesTaskSid, ENTRY, { stillPending: async () => pending });
  assert.deepEqual(result, { writes: 1, reads: 2, dropped: true });
  assert.deepEqual(await invites(), {});
});

test('a writer that erases after every write makes the tracker give up after 8 writes with one line', async () => {
  const mark = await sandbox.lastRequestId();
  const tracked = withWriterAfterEachWrite(async (n, sid) => erase(sid));
  await assert.rejects(
    recordInvite(tracked, chat.conversationSid, ENTRY.invitesTaskSid, ENTRY, { stillPending: async () => true }),
    (error) => {
      assert.equal(error.message, `invites.${ENTRY.invitesTaskSid}: could not keep the entry in conversation ${chat.conversationSid} after 8 writes (concurrent updates)`);
      return true;
    },
  );
  const writes = (await sandbox.requests(mark)).filter((entry) => entry.method === 'POST' && entry.product === 'conversations');
  assert.equal(writes.length, 16, "the tracker's 8 writes and the eraser's 8");
});
