'use strict';
// invite-participant run through the sandbox's runtime host against a real local sandbox.

const { test, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { startSandbox } = require('./helpers/sandbox');
const { INVITE, seededChat, createChatTransferWorkflow, inviteForm } = require('./helpers/chat');

let sandbox;
let client;
let chat;
let token;
let variables;

async function freshChat() {
  await sandbox.reset();
  chat = await seededChat(sandbox);
  const workflowSid = await createChatTransferWorkflow(client, chat, chat.queue('Everyone'), { Sales: chat.queue('Sales') });
  variables = { TWILIO_FLEX_WORKSPACE_SID: chat.workspaceSid, TWILIO_FLEX_CHAT_TRANSFER_WORKFLOW_SID: workflowSid };
  token = await sandbox.flexToken(chat.worker('alice'));
}

async function conversationAttributes() {
  const conversation = await client.conversations.v1.conversations(chat.conversationSid).fetch();
  return JSON.parse(conversation.attributes);
}

async function channelInvites() {
  return client.flexApi.v1.interaction(chat.interactionSid).channels(chat.channelSid).invites.list();
}

async function conversationMembers() {
  return client.conversations.v1.conversations(chat.conversationSid).participants.list();
}

async function agentTaskStatus() {
  return (await client.taskrouter.v1.workspaces(chat.workspaceSid).tasks(chat.taskSid).fetch()).assignmentStatus;
}

async function writesSince(id) {
  return (await sandbox.requests(id)).filter((entry) => entry.method !== 'GET');
}

before(async () => {
  sandbox = await startSandbox();
  client = sandbox.client();
});

after(async () => {
  if (sandbox) await sandbox.stop();
});

beforeEach(freshChat);

test('warm invite to a queue: new task through the Chat Transfer workflow with the transfer attributes, invite recorded', async () => {
  await client.conversations.v1.conversations(chat.conversationSid).update({ attributes: JSON.stringify({ keep: 'me' }) });
  const form = inviteForm(chat, token);
  const answer = await sandbox.invoke(INVITE, form, variables);
  assert.equal(answer.status, 200, answer.body);
  assert.equal(answer.json.success, true);
  assert.match(answer.json.invitesTaskSid, /^WT[0-9a-f]{32}$/);
  assert.match(answer.json.participantInviteSid, /^KG[0-9a-f]{32}$/);
  assert.equal(answer.json.message, `Participant invite ${answer.json.participantInviteSid}`);
  assert.equal(answer.headers['Access-Control-Allow-Origin'], '*');

  const task = await client.taskrouter.v1.workspaces(chat.workspaceSid).tasks(answer.json.invitesTaskSid).fetch();
  assert.equal(task.workflowSid, variables.TWILIO_FLEX_CHAT_TRANSFER_WORKFLOW_SID);
  const attributes = JSON.parse(task.attributes);
  assert.equal(attributes.customerName, 'Casey');
  assert.equal(attributes.transferTargetType, 'queue');
  assert.equal(attributes.transferTargetSid, chat.queue('Sales'));
  assert.equal(attributes.transferQueueName, 'Sales');
  assert.deepEqual(attributes.workerSidsInConversation, []);
  assert.equal(attributes.conversations.conversation_id, chat.conversationSid);
  assert.equal(attributes.conversations.initiated_by, 'customer', 'other conversations.* keys are kept');

  const stored = await conversationAttributes();
  assert.equal(stored.keep, 'me', 'other conversation attributes are kept');
  const entry = stored.invites[answer.json.invitesTaskSid];
  assert.equal(entry.invitesTaskSid, answer.json.invitesTaskSid);
  assert.equal(entry.targetSid, chat.queue('Sales'));
  assert.equal(entry.targetName, 'Sales');
  assert.equal(entry.inviteTargetType, 'Queue');
  assert.ok(!Number.isNaN(Date.parse(entry.timestampCreated)));

  assert.equal(await agentTaskStatus(), 'assigned', 'the transferring agent stays in the chat on a warm transfer');
});

test('a missing workerSidsInConversation is added as an empty list; a worker target is a Worker invite', async () => {
  const worker = chat.worker('oscar');
  const answer = await sandbox.invoke(INVITE, inviteForm(chat, token, {
    transferTargetSid: worker, transferQueueName: '', transferWorkerName: 'Bea', workersToIgnore: '{}',
  }), variables);
  assert.equal(answer.status, 200, answer.body);
  const task = await client.taskrouter.v1.workspaces(chat.workspaceSid).tasks(answer.json.invitesTaskSid).fetch();
  const attributes = JSON.parse(task.attributes);
  assert.deepEqual(attributes.workerSidsInConversation, []);
  assert.equal(attributes.transferTargetType, 'worker');
  const entry = (await conversationAttributes()).invites[answer.json.invitesTaskSid];
  assert.equal(entry.inviteTargetType, 'Worker');
  assert.equal(entry.targetName, 'Bea');
});

test('cold transfer closes the transferring agent and records no invite', async () => {
  const before = await conversationMembers();
  const answer = await sandbox.invoke(INVITE, inviteForm(chat, token, { removeFlexInteractionParticipantSid: chat.agentParticipantSid }), variables);
  assert.equal(answer.status, 200, answer.body);
  assert.equal(await agentTaskStatus(), 'wrapping', "closing the agent's participant wraps up their task");
  assert.equal((await conversationMembers()).length, before.length - 1, 'the agent left the conversation');
  const stored = await conversationAttributes();
  assert.equal(stored.invites, undefined);
  assert.equal((await channelInvites()).length, 1);
});

test('no token or a forged token: 403 and nothing written', async () => {
  const mark = await sandbox.lastRequestId();
  for (const bad of ['', 'forged.token.value']) {
    const answer = await sandbox.invoke(INVITE, inviteForm(chat, bad), variables);
    assert.equal(answer.status, 403, answer.body);
    assert.match(answer.body, /^Unauthorized|invalid|expired/i);
  }
  const writes = (await writesSince(mark)).filter((entry) => entry.product !== 'iam');
  assert.deepEqual(writes, []);
});

test('bad input is a 400 naming the field, before anything is written', async () => {
  const cases = [
    [{ taskSid: '' }, /^taskSid: missing; it is the task being transferred/],
    [{ jsonAttributes: '{"broken": ' }, /^jsonAttributes: not valid JSON/],
    [{ jsonAttributes: '[1,2]' }, /^jsonAttributes: must be a JSON object, got an array/],
    [{ workersToIgnore: 'not json' }, /^workersToIgnore: not valid JSON/],
    [{ workersToIgnore: '{"workerSidsInConversation": "WK1"}' }, /^workersToIgnore\.workerSidsInConversation: must be a list/],
    [{ transferTargetSid: `XX${'0'.repeat(32)}` }, /^transferTargetSid: "XX0+" has an unknown prefix/],
    [{ transferQueueName: '' }, /^transferQueueName: missing for a queue target/],
    [{ flexInteractionChannelSid: 'UO123' }, /^flexInteractionChannelSid: "UO123" is not a UO… SID/],
    [{ conversationSid: '' }, /^conversationSid: missing; it is the conversation/],
    [{ removeFlexInteractionParticipantSid: `UT${'0'.repeat(32)}` }, /^removeFlexInteractionParticipantSid: UT0+ is not a participant of channel/],
    [{ conversationSid: `CH${'0'.repeat(32)}` }, /^conversationSid: CH0+ is not the conversation of channel UO[0-9a-f]{32} \(that is CH/],
    [{ flexInteractionChannelSid: `UO${'0'.repeat(32)}` }, /^flexInteractionChannelSid: no channel UO0+ on interaction KD/],
  ];
  const mark = await sandbox.lastRequestId();
  for (const [overrides, message] of cases) {
    const answer = await sandbox.invoke(INVITE, inviteForm(chat, token, overrides), variables);
    assert.equal(answer.status, 400, `${JSON.stringify(overrides)} -> ${answer.body}`);
    assert.equal(answer.json.data, null);
    assert.match(answer.json.message, message);
    assert.ok(!answer.json.message.includes('\n'), 'one line');
  }
  const missingEnv = await sandbox.invoke(INVITE, inviteForm(chat, token), { TWILIO_FLEX_WORKSPACE_SID: chat.workspaceSid });
  assert.equal(missingEnv.status, 400);
  assert.match(missingEnv.json.message, /^TWILIO_FLEX_CHAT_TRANSFER_WORKFLOW_SID: environment variable/);
  assert.deepEqual((await writesSince(mark)).filter((entry) => entry.product !== 'iam'), []);
  assert.equal((await channelInvites()).length, 0);
  assert.equal(await agentTaskStatus(), 'assigned');
});

test('a closed chat cannot be transferred: 400 naming the channel', async () => {
  await client.flexApi.v1.interaction(chat.interactionSid).channels(chat.channelSid).update({ status: 'closed' });
  const answer = await sandbox.invoke(INVITE, inviteForm(chat, token), variables);
  assert.equal(answer.status, 400, answer.body);
  assert.match(answer.json.message, /^flexInteractionChannelSid: channel UO[0-9a-f]{32} is closed; an invite needs an active chat/);
  assert.equal((await channelInvites()).length, 0);
});

test('a failing invite leaves the agent in the chat (cold): 500, nothing half-done', async () => {
  const members = (await conversationMembers()).length;
  await sandbox.addFault({ route: '/Invites', kind: '503', rate: 1 });
  try {
    const answer = await sandbox.invoke(INVITE, inviteForm(chat, token, { removeFlexInteractionParticipantSid: chat.agentParticipantSid }), variables);
    assert.equal(answer.status, 500, answer.body);
    assert.equal(answer.json.success, false);
  } finally {
    await sandbox.clearFaults();
  }
  assert.equal(await agentTaskStatus(), 'assigned', 'the agent keeps the chat');
  assert.equal((await conversationMembers()).length, members);
  assert.equal((await channelInvites()).length, 0);
});

test('429s on the way are retried with backoff', async () => {
  await sandbox.addFault({ route: '/Invites', kind: '429', rate: 1, count: 2, retry_after: 0 });
  const mark = await sandbox.lastRequestId();
  try {
    const answer = await sandbox.invoke(INVITE, inviteForm(chat, token), variables);
    assert.equal(answer.status, 200, answer.body);
  } finally {
    await sandbox.clearFaults();
  }
  const inviteCalls = (await sandbox.requests(mark)).filter((entry) => entry.method === 'POST' && /\/Invites$/.test(entry.path));
  assert.deepEqual(inviteCalls.map((entry) => entry.status), [429, 429, 200].slice(0, inviteCalls.length));
  assert.equal(inviteCalls.length, 3);
});

test('parallel warm invites on one conversation keep every invites entry', async (t) => {
  // Added latency widens the read-then-write window so the writes really interleave.
  await sandbox.addFault({ route: '/Conversations/', kind: 'latency', rate: 1, latency_ms: 40 });
  const count = 6;
  const mark = await sandbox.lastRequestId();
  const started = Date.now();
  let answers;
  try {
    answers = await Promise.all(Array.from({ length: count }, () => sandbox.invoke(INVITE, inviteForm(chat, token), variables)));
  } finally {
    await sandbox.clearFaults();
  }
  const conversationWrites = (await sandbox.requests(mark))
    .filter((entry) => entry.method === 'POST' && entry.product === 'conversations').length;
  t.diagnostic(`${count} parallel invites: ${conversationWrites} attribute writes, ${Date.now() - started} ms`);
  assert.ok(conversationWrites >= count);
  for (const answer of answers) assert.equal(answer.status, 200, answer.body);
  const taskSids = answers.map((answer) => answer.json.invitesTaskSid);
  assert.equal(new Set(taskSids).size, count);
  const invites = (await conversationAttributes()).invites;
  assert.deepEqual(Object.keys(invites).sort(), [...taskSids].sort());
});

test('an invite resolved while its entry is being repaired is not brought back', async () => {
  // A hostile writer keeps erasing the attributes (like a stale full replace); meanwhile the transfer task is
  // cancelled as soon as it appears, as when the inviting agent cancels at once.
  const workspace = client.taskrouter.v1.workspaces(chat.workspaceSid);
  let running = true;
  const eraser = (async () => {
    while (running) {
      await client.conversations.v1.conversations(chat.conversationSid).update({ attributes: '{}' });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  const canceller = (async () => {
    while (running) {
      for (const listed of await workspace.tasks.list({ assignmentStatus: ['pending', 'reserved'] })) {
        if (listed.sid === chat.taskSid) continue;
        await workspace.tasks(listed.sid).update({ assignmentStatus: 'canceled', reason: 'invite cancelled' });
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  eraser.catch(() => {});
  canceller.catch(() => {});
  let answer;
  try {
    answer = await sandbox.invoke(INVITE, inviteForm(chat, token), variables);
  } finally {
    running = false;
    await Promise.all([eraser, canceller]);
  }
  assert.equal(answer.status, 200, answer.body);
  const task = await workspace.tasks(answer.json.invitesTaskSid).fetch();
  assert.equal(task.assignmentStatus, 'canceled');
  assert.equal((await conversationAttributes()).invites, undefined);
});

test('a writer that never stops erasing makes the call fail with 500 saying the invite exists', async () => {
  let running = true;
  const eraser = (async () => {
    while (running) {
      await client.conversations.v1.conversations(chat.conversationSid).update({ attributes: '{}' });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  eraser.catch(() => {});
  let answer;
  try {
    answer = await sandbox.invoke(INVITE, inviteForm(chat, token), variables);
  } finally {
    running = false;
    await eraser;
  }
  assert.equal(answer.status, 500, answer.body);
  assert.equal(answer.json.success, false);
  assert.match(answer.json.message, /^invites\.WT[0-9a-f]{32}: could not keep the entry in conversation CH[0-9a-f]{32} after 8 writes/);
  assert.match(answer.json.invitesTaskSid, /^WT/);
  assert.match(answer.json.participantInviteSid, /^KG/);
});
