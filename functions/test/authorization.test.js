'use strict';
// Authorization (issue 15): the functions act for the signed-in agent only on a chat that agent is in;
// remove-participant never closes the customer; invite-participant checks the task, the target and the queue
// name against Twilio before the invite. Every refusal: its 4xx, one line naming the field and the rule, and
// no write in the sandbox's request log (/_sandbox/requests/summary).

const { test, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { useSandbox } = require('./helpers/sandbox');
const {
  INVITE, REMOVE, UPDATE_ATTRIBUTES, chatWithTransferWorkflow, inviteForm, removeForm, acceptPending, openChat,
} = require('./helpers/chat');

const UNKNOWN = (prefix) => `${prefix}${'0'.repeat(32)}`;

const sandbox = useSandbox();
let client;
let chat;
let variables;
const tokens = {};


beforeEach(async () => {
  await sandbox.reset();
  client = sandbox.client();
  ({ chat, variables } = await chatWithTransferWorkflow(sandbox, client, { targets: ['Sales', 'Support'] }));
  for (const name of ['alice', 'bob', 'carol']) tokens[name] = await sandbox.flexToken(chat.worker(name));
});

/** Call and assert the refusal: status, one line starting with `field: `, matching `rule`, and 0 writes. */
async function assertRefused(path, form, status, field, rule) {
  const before = await sandbox.writeCount();
  const answer = await sandbox.invoke(path, form, variables);
  assert.equal(answer.status, status, answer.body);
  const { message } = answer.json;
  assert.equal(answer.json.data, null);
  assert.ok(message.startsWith(`${field}: `), message);
  assert.match(message, rule);
  assert.match(message, /\(fix: [^)]/);
  assert.ok(!message.includes('\n'), 'one line');
  assert.equal(await sandbox.writeCount(), before, `no write for a refused call: ${message}`);
  return message;
}

/** bob joins the seeded chat the plugin's way: a warm invite to him that he accepts. */
async function bobJoins() {
  const invite = await sandbox.invoke(INVITE, inviteForm(chat, tokens.alice, {
    transferTargetSid: chat.worker('bob'), transferQueueName: '', transferWorkerName: 'bob',
  }), variables);
  assert.equal(invite.status, 200, invite.body);
  await acceptPending(client, chat.workspaceSid, invite.json.invitesTaskSid);
  const participants = await client.flexApi.v1.interaction(chat.interactionSid).channels(chat.channelSid).participants.list();
  return participants.find((p) => p.type === 'agent' && p.routingProperties.worker_sid === chat.worker('bob')).sid;
}

const NOT_IN_CHAT = /is not an agent in channel UO[0-9a-f]{32} of interaction KD[0-9a-f]{32}, or has left it; these functions act only on chats the agent is in/;

test('an agent not in the chat cannot remove the customer', async () => {
  await assertRefused(REMOVE, removeForm(chat, tokens.carol, { flexInteractionParticipantSid: chat.customerParticipantSid }), 403, 'flexInteractionChannelSid', NOT_IN_CHAT);
});

test('an agent not in the chat cannot remove the agent who is', async () => {
  await assertRefused(REMOVE, removeForm(chat, tokens.carol), 403, 'flexInteractionChannelSid', NOT_IN_CHAT);
  assert.equal((await client.taskrouter.v1.workspaces(chat.workspaceSid).tasks(chat.taskSid).fetch()).assignmentStatus, 'assigned');
});

test('an agent not in the chat cannot invite (warm or cold) nor change its attributes', async () => {
  await assertRefused(INVITE, inviteForm(chat, tokens.carol), 403, 'flexInteractionChannelSid', NOT_IN_CHAT);
  await assertRefused(INVITE, inviteForm(chat, tokens.carol, { removeFlexInteractionParticipantSid: chat.agentParticipantSid }), 403, 'flexInteractionChannelSid', NOT_IN_CHAT);
  await assertRefused(UPDATE_ATTRIBUTES, { Token: tokens.carol, conversationSid: chat.conversationSid, attributes: '{}' }, 403, 'conversationSid',
    /^conversationSid: the signed-in agent \(carol\) is not a participant of conversation CH[0-9a-f]{32}; only an agent in the chat may change its attributes/);
  assert.equal((await client.flexApi.v1.interaction(chat.interactionSid).channels(chat.channelSid).invites.list()).length, 0);
});

test('the agent in the chat cannot remove the customer', async () => {
  await assertRefused(REMOVE, removeForm(chat, tokens.alice, { flexInteractionParticipantSid: chat.customerParticipantSid }), 403, 'flexInteractionParticipantSid',
    /is the customer participant of this chat; remove-participant closes only agent participants, never the customer/);
  const members = await client.conversations.v1.conversations(chat.conversationSid).participants.list();
  assert.ok(members.some((member) => member.identity === 'customer-0001'));
});

test('an agent who has left the chat can no longer act on it', async () => {
  const left = await sandbox.invoke(REMOVE, removeForm(chat, tokens.alice, { conversationSid: '' }), variables);
  assert.equal(left.status, 200, left.body);
  await assertRefused(INVITE, inviteForm(chat, tokens.alice), 403, 'flexInteractionChannelSid', NOT_IN_CHAT);
  await assertRefused(REMOVE, removeForm(chat, tokens.alice), 403, 'flexInteractionChannelSid', NOT_IN_CHAT);
});

test('a cold transfer closes only the caller: another agent\'s participant is refused', async () => {
  const bobParticipant = await bobJoins();
  await assertRefused(INVITE, inviteForm(chat, tokens.alice, { removeFlexInteractionParticipantSid: bobParticipant }), 403, 'removeFlexInteractionParticipantSid',
    /is the participant of another agent; a cold transfer closes only the transferring \(signed-in\) agent/);
  await assertRefused(INVITE, inviteForm(chat, tokens.alice, { removeFlexInteractionParticipantSid: chat.customerParticipantSid }), 403, 'removeFlexInteractionParticipantSid',
    /is the customer participant; a cold transfer closes only the transferring/);
});

test('an agent in the chat may remove another agent of it (the participants tab), and the channel stays open', async () => {
  const bobParticipant = await bobJoins();
  const answer = await sandbox.invoke(REMOVE, removeForm(chat, tokens.alice, { flexInteractionParticipantSid: bobParticipant }), variables);
  assert.equal(answer.status, 200, answer.body);
  assert.equal(answer.json.channelClosed, false);
  const members = (await client.conversations.v1.conversations(chat.conversationSid).participants.list()).map((m) => m.identity).sort();
  assert.deepEqual(members, ['alice', 'customer-0001']);
});

test('invite: an unknown taskSid is refused before the invite', async () => {
  await assertRefused(INVITE, inviteForm(chat, tokens.alice, { taskSid: UNKNOWN('WT') }), 400, 'taskSid', /^taskSid: no task WT0{32} in the Flex workspace/);
});

test('invite: the task of another interaction is refused', async () => {
  const other = await openChat(client, chat, 'customer-other');
  await assertRefused(INVITE, inviteForm(chat, tokens.alice, { taskSid: other.taskSid }), 400, 'taskSid',
    new RegExp(`^taskSid: task ${other.taskSid} is not a task of channel ${chat.channelSid} of interaction ${chat.interactionSid} \\(fix: `));
});

test('invite: a worker target that does not exist is refused', async () => {
  await assertRefused(INVITE, inviteForm(chat, tokens.alice, { transferTargetSid: UNKNOWN('WK'), transferQueueName: '', transferWorkerName: 'ghost' }), 400,
    'transferTargetSid', /^transferTargetSid: no worker WK0{32} in the Flex workspace/);
});

test('invite: an unknown queue, and a queue name that contradicts the queue SID, are refused', async () => {
  await assertRefused(INVITE, inviteForm(chat, tokens.alice, { transferTargetSid: UNKNOWN('WQ') }), 400, 'transferTargetSid', /^transferTargetSid: no queue WQ0{32} in the Flex workspace/);
  await assertRefused(INVITE, inviteForm(chat, tokens.alice, { transferQueueName: 'Support' }), 400, 'transferQueueName',
    /^transferQueueName: "Support" is not the name of queue WQ[0-9a-f]{32} \(its name is "Sales"\); the Chat Transfer workflow routes on the name/);
});

test('remove and invite: a conversationSid of another chat is refused', async () => {
  const other = await openChat(client, chat, 'customer-other');
  const rule = new RegExp(`^conversationSid: ${other.conversationSid} is not the conversation of channel ${chat.channelSid} \\(that is ${chat.conversationSid}\\)`);
  await assertRefused(REMOVE, removeForm(chat, tokens.alice, { conversationSid: other.conversationSid }), 400, 'conversationSid', rule);
  await assertRefused(INVITE, inviteForm(chat, tokens.alice, { conversationSid: other.conversationSid }), 400, 'conversationSid', rule);
});

test('valid transfers still work: warm to a queue, then cold to a worker by the agent who joined', async () => {
  const warm = await sandbox.invoke(INVITE, inviteForm(chat, tokens.alice, {
    workersToIgnore: JSON.stringify({ workerSidsInConversation: [chat.worker('alice')] }),
  }), variables);
  assert.equal(warm.status, 200, warm.body);
  const joined = await acceptPending(client, chat.workspaceSid, warm.json.invitesTaskSid);
  assert.notEqual(joined, chat.worker('alice'));
  const participants = await client.flexApi.v1.interaction(chat.interactionSid).channels(chat.channelSid).participants.list();
  const theirs = participants.find((p) => p.type === 'agent' && p.routingProperties.worker_sid === joined);
  const theirTask = await client.taskrouter.v1.workspaces(chat.workspaceSid).tasks(warm.json.invitesTaskSid).fetch();
  const token = await sandbox.flexToken(joined);
  const before = await sandbox.writeCount();
  const cold = await sandbox.invoke(INVITE, inviteForm(chat, token, {
    taskSid: warm.json.invitesTaskSid, jsonAttributes: theirTask.attributes, transferTargetSid: chat.worker('carol'),
    transferQueueName: '', transferWorkerName: 'carol', removeFlexInteractionParticipantSid: theirs.sid,
  }), variables);
  assert.equal(cold.status, 200, cold.body);
  assert.ok(await sandbox.writeCount() > before);
  assert.equal((await client.taskrouter.v1.workspaces(chat.workspaceSid).tasks(warm.json.invitesTaskSid).fetch()).assignmentStatus, 'wrapping');
  const cleared = await sandbox.invoke(UPDATE_ATTRIBUTES, { Token: tokens.alice, conversationSid: chat.conversationSid, attributes: '{"invites":{}}' }, variables);
  assert.equal(cleared.status, 200, cleared.body);
});
