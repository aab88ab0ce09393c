'use strict';
// remove-participant and update-attributes run through the sandbox's runtime host against a real sandbox.

const { test, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { useSandbox } = require('./helpers/sandbox');
const { REMOVE, UPDATE_ATTRIBUTES, seededChat, removeForm } = require('./helpers/chat');

const sandbox = useSandbox();
let client;
let chat;
let token;
let variables;

beforeEach(async () => {
  await sandbox.reset();
  client = sandbox.client();
  chat = await seededChat(sandbox);
  token = await sandbox.flexToken(chat.worker('alice'));
  variables = { TWILIO_FLEX_WORKSPACE_SID: chat.workspaceSid };
});

async function channelStatus() {
  return (await client.flexApi.v1.interaction(chat.interactionSid).channels(chat.channelSid).fetch()).status;
}

async function setAttributes(attributes) {
  await client.conversations.v1.conversations(chat.conversationSid).update({ attributes: JSON.stringify(attributes) });
}

test('last agent leaves and no invite is pending: participant and channel closed', async () => {
  const answer = await sandbox.invoke(REMOVE, removeForm(chat, token), variables);
  assert.equal(answer.status, 200, answer.body);
  assert.equal(answer.json.success, true);
  const participants = await client.conversations.v1.conversations(chat.conversationSid).participants.list();
  assert.ok(participants.length <= 1, `only the customer is left: ${participants.map((p) => p.identity)}`);
  assert.equal(await channelStatus(), 'closed');
  assert.equal(answer.json.channelClosed, true);
});

test('a pending invite keeps the channel open', async () => {
  await setAttributes({ invites: { [`WT${'1'.repeat(32)}`]: { targetName: 'Sales' } } });
  const answer = await sandbox.invoke(REMOVE, removeForm(chat, token), variables);
  assert.equal(answer.status, 200, answer.body);
  assert.equal(answer.json.channelClosed, false);
  assert.notEqual(await channelStatus(), 'closed');
});

test('remove-participant: 403 without a token, 400 naming a bad field', async () => {
  const refused = await sandbox.invoke(REMOVE, removeForm(chat, token, { Token: '' }), variables);
  assert.equal(refused.status, 403);
  const missing = await sandbox.invoke(REMOVE, removeForm(chat, token, { flexInteractionParticipantSid: '' }), variables);
  assert.equal(missing.status, 400);
  assert.match(missing.json.message, /^flexInteractionParticipantSid: missing; it is the interaction participant/);
  assert.notEqual(await channelStatus(), 'closed');
});

test('update-attributes writes the complete attributes as given', async () => {
  await setAttributes({ invites: { [`WT${'1'.repeat(32)}`]: { targetName: 'Sales' } }, keep: 1 });
  const answer = await sandbox.invoke(UPDATE_ATTRIBUTES, { Token: token, conversationSid: chat.conversationSid, attributes: JSON.stringify({ invites: {}, keep: 2 }) });
  assert.equal(answer.status, 200, answer.body);
  assert.deepEqual(answer.json, { success: true });
  const conversation = await client.conversations.v1.conversations(chat.conversationSid).fetch();
  assert.deepEqual(JSON.parse(conversation.attributes), { invites: {}, keep: 2 });
});

test('update-attributes: bad JSON is 400, no token is 403, an unknown conversation passes on Twilio\'s 404', async () => {
  const bad = await sandbox.invoke(UPDATE_ATTRIBUTES, { Token: token, conversationSid: chat.conversationSid, attributes: '{"a":' });
  assert.equal(bad.status, 400);
  assert.match(bad.json.message, /^attributes: not valid JSON/);
  const refused = await sandbox.invoke(UPDATE_ATTRIBUTES, { conversationSid: chat.conversationSid, attributes: '{}' });
  assert.equal(refused.status, 403);
  const unknown = await sandbox.invoke(UPDATE_ATTRIBUTES, { Token: token, conversationSid: `CH${'0'.repeat(32)}`, attributes: '{}' });
  assert.equal(unknown.status, 404, unknown.body);
  assert.equal(unknown.json.success, false);
  assert.equal(unknown.json.twilioErrorCode, 20404);
});
