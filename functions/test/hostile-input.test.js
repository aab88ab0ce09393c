'use strict';
// Hostile input (issue 15): every reader has a size and a depth bound and refuses a repeated JSON key, and
// answers past them with one 400 line (what, where, the limit) before anything is written: no "Maximum call
// stack size exceeded" 500, no silently kept last value.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useSandbox } = require('./helpers/sandbox');
const { INVITE, REMOVE, UPDATE_ATTRIBUTES, chatWithTransferWorkflow, inviteForm } = require('./helpers/chat');

let client;
let chat;
let token;
let variables;

const sandbox = useSandbox({
  setUp: async () => {
    client = sandbox.client();
    ({ chat, variables } = await chatWithTransferWorkflow(sandbox, client));
    token = await sandbox.flexToken(chat.worker('alice'));
  },
});

const deepObject = (levels) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const deepArray = (levels) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const attributesForm = (attributes) => ({ Token: token, conversationSid: chat.conversationSid, attributes });

// [case, function, form, status, the one line]
const CASES = [
  ['jsonAttributes nested 2500 levels (objects)', INVITE, () => inviteForm(chat, token, { jsonAttributes: deepObject(2500) }), 400,
    /^jsonAttributes: nested deeper than 32 levels at jsonAttributes(\.a){32}; it is the transferred task's attributes \(fix: /],
  ['jsonAttributes nested 5000 levels (arrays)', INVITE, () => inviteForm(chat, token, { jsonAttributes: `{"x":${deepArray(5000)}}` }), 400,
    /^jsonAttributes: nested deeper than 32 levels at jsonAttributes\.x(\[0\]){31}; /],
  ['jsonAttributes nested 5000 levels (objects: past the size bound first)', INVITE, () => inviteForm(chat, token, { jsonAttributes: deepObject(5000) }), 400,
    /^jsonAttributes: 30001 characters, over the limit of 16384 \(fix: send at most 16384 characters\)/],
  ['workersToIgnore nested 2000 levels', INVITE, () => inviteForm(chat, token, { workersToIgnore: `{"w":${deepArray(2000)}}` }), 400,
    /^workersToIgnore: nested deeper than 32 levels at workersToIgnore\.w\[0\]/],
  ['update attributes nested 5000 levels', UPDATE_ATTRIBUTES, () => attributesForm(`{"invites":${deepArray(5000)}}`), 400,
    /^attributes: nested deeper than 32 levels at attributes\.invites\[0\]/],
  ['jsonAttributes with a duplicate key', INVITE, () => inviteForm(chat, token, { jsonAttributes: '{"customerName":"Casey","customerName":"Mallory"}' }), 400,
    /^jsonAttributes: duplicate key "customerName" at jsonAttributes\.customerName; a JSON object must not repeat a key/],
  ['jsonAttributes with a duplicate key spelt with an escape, nested', INVITE,
    () => inviteForm(chat, token, { jsonAttributes: '{"conversations":{"a":1,"\\u0061":2}}' }), 400,
    /^jsonAttributes: duplicate key "a" at jsonAttributes\.conversations\.a; a JSON object must not repeat a key/],
  ['workersToIgnore with a duplicate key', INVITE,
    () => inviteForm(chat, token, { workersToIgnore: '{"workerSidsInConversation":[],"workerSidsInConversation":["WK1"]}' }), 400,
    /^workersToIgnore: duplicate key "workerSidsInConversation"/],
  ['update attributes with a duplicate key', UPDATE_ATTRIBUTES, () => attributesForm('{"invites":{},"invites":{"WT1":{}}}'), 400,
    /^attributes: duplicate key "invites" at attributes\.invites/],
  ['jsonAttributes oversized (1 MB)', INVITE, () => inviteForm(chat, token, { jsonAttributes: JSON.stringify({ notes: 'x'.repeat(1 << 20) }) }), 400,
    /^jsonAttributes: 1048588 characters, over the limit of 16384 \(fix: send at most 16384 characters\)/],
  ['update attributes oversized', UPDATE_ATTRIBUTES, () => attributesForm(JSON.stringify({ notes: 'x'.repeat(20000) })), 400,
    /^attributes: 20012 characters, over the limit of 16384/],
  ['transferQueueName oversized', INVITE, () => inviteForm(chat, token, { transferQueueName: 'S'.repeat(100000) }), 400,
    /^transferQueueName: 100000 characters, over the limit of 256/],
  ['taskSid sent twice', INVITE, () => inviteForm(chat, token, { taskSid: [chat.taskSid, chat.taskSid] }), 400,
    /^taskSid: sent 2 times; it is one value \(fix: send the form field taskSid once\)/],
  ['flexInteractionParticipantSid as a structure', REMOVE, () => ({
    Token: token, flexInteractionSid: chat.interactionSid, flexInteractionChannelSid: chat.channelSid, flexInteractionParticipantSid: { a: { b: 1 } },
  }), 400, /^flexInteractionParticipantSid: is a structure, not text/],
  ['Token oversized (1 MB)', INVITE, () => inviteForm(chat, 'x'.repeat(1 << 20)), 403,
    /^Token: invalid, sent more than once, not text or over 16384 characters/],
];

for (const [name, path, form, status, line] of CASES) {
  test(`${name}: ${status}, one line, nothing written`, async () => {
    const before = await sandbox.writeCount();
    const answer = await sandbox.invoke(path, form(), variables);
    assert.equal(answer.status, status, answer.body.slice(0, 400));
    const message = answer.json ? answer.json.message : answer.body;
    assert.match(message, line);
    assert.ok(!message.includes('\n'), 'one line');
    assert.ok(message.length < 600, `a short line (${message.length} characters)`);
    assert.doesNotMatch(message, /Maximum call stack/);
    assert.equal(await sandbox.writeCount(), before);
  });
}

test('stored conversation attributes nested past the bound: a warm invite is refused before it is made', async () => {
  await client.conversations.v1.conversations(chat.conversationSid).update({ attributes: deepObject(100) });
  try {
    const before = await sandbox.writeCount();
    const answer = await sandbox.invoke(INVITE, inviteForm(chat, token), variables);
    assert.equal(answer.status, 400, answer.body);
    assert.match(answer.json.message, /^conversationSid: the attributes of conversation CH[0-9a-f]{32} cannot be merged: .*nested deeper than 32 levels/);
    assert.equal(await sandbox.writeCount(), before);
  } finally {
    await client.conversations.v1.conversations(chat.conversationSid).update({ attributes: '{}' });
  }
});

test('within the bounds everything still passes: 32 levels, a key repeated only in different objects', async () => {
  const attributes = JSON.stringify({ a: { id: 1 }, b: { id: 2 }, deep: JSON.parse(deepObject(30)) });
  const answer = await sandbox.invoke(UPDATE_ATTRIBUTES, attributesForm(attributes), variables);
  assert.equal(answer.status, 200, answer.body);
  const stored = await client.conversations.v1.conversations(chat.conversationSid).fetch();
  assert.deepEqual(JSON.parse(stored.attributes), JSON.parse(attributes));
  await client.conversations.v1.conversations(chat.conversationSid).update({ attributes: '{}' });
});
