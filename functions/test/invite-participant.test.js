'use strict';
// invite-participant run through the sandbox's runtime host against a real local sandbox.

const { test, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { useSandbox } = require('./helpers/sandbox');
const { INVITE, REMOVE, chatWithTransferWorkflow, inviteForm, removeForm } = require('./helpers/chat');
const { waitFor } = require('./helpers/wait');

const sandbox = useSandbox();
let client;
let chat;
let token;
let variables;

async function freshChat() {
  await sandbox.reset();
  client = sandbox.client();
  ({ chat, variables } = await chatWithTransferWorkflow(sandbox, client));
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

/** The tasks the Chat Transfer workflow routes: the transfers the invites made. */
async function transferTasks() {
  return client.taskrouter.v1.workspaces(chat.workspaceSid).tasks.list({ workflowSid: variables.TWILIO_FLEX_CHAT_TRANSFER_WORKFLOW_SID });
}

async function writesSince(id) {
  return (await sandbox.requests(id)).filter((entry) => entry.method !== 'GET');
}


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

test('5 identical warm invites at once (a double-click): one transfer task, every answer the same', async (t) => {
  const workspace = client.taskrouter.v1.workspaces(chat.workspaceSid);
  const form = inviteForm(chat, token);
  const mark = await sandbox.lastRequestId();
  const answers = await Promise.all(Array.from({ length: 5 }, () => sandbox.invoke(INVITE, form, variables)));
  const writesToTask = (await sandbox.requests(mark)).filter((entry) => entry.method === 'POST' && entry.path.endsWith(`/Tasks/${chat.taskSid}`));
  t.diagnostic(`writes to the transferred task: ${writesToTask.map((entry) => entry.status).join(' ')}`);
  assert.equal(writesToTask.filter((entry) => entry.status === 200).length, 2, 'one claim and one answer were written; every other write was refused (412)');
  assert.ok(writesToTask.every((entry) => [200, 412].includes(entry.status)));
  for (const answer of answers) assert.equal(answer.status, 200, answer.body);
  assert.equal(new Set(answers.map((answer) => answer.body)).size, 1, answers.map((answer) => answer.body).join('\n'));
  const transfers = await transferTasks();
  assert.deepEqual(transfers.map((task) => task.sid), [answers[0].json.invitesTaskSid]);
  assert.equal((await channelInvites()).length, 1);
  assert.deepEqual(Object.keys((await conversationAttributes()).invites), [answers[0].json.invitesTaskSid]);
  // The record lives on the transferred task, and the new task does not inherit it.
  const original = JSON.parse((await workspace.tasks(chat.taskSid).fetch()).attributes);
  assert.equal(original.chatTransferInvites[`warm:${chat.queue('Sales')}`].answer.body.invitesTaskSid, answers[0].json.invitesTaskSid);
  const transfer = JSON.parse((await workspace.tasks(answers[0].json.invitesTaskSid).fetch()).attributes);
  assert.equal(transfer.chatTransferInvites, undefined);
});

test('5 identical cold invites at once: one transfer task, every answer the same, also for copies that come after the agent was taken out', async () => {
  const workspace = client.taskrouter.v1.workspaces(chat.workspaceSid);
  const form = inviteForm(chat, token, { removeFlexInteractionParticipantSid: chat.agentParticipantSid });
  const answers = await Promise.all(Array.from({ length: 5 }, () => sandbox.invoke(INVITE, form, variables)));
  const late = await sandbox.invoke(INVITE, form, variables); // the agent has left the chat by now
  for (const answer of [...answers, late]) assert.equal(answer.status, 200, answer.body);
  assert.equal(new Set([...answers, late].map((answer) => answer.body)).size, 1);
  const transfers = await transferTasks();
  assert.deepEqual(transfers.map((task) => task.sid), [late.json.invitesTaskSid]);
  assert.equal(await agentTaskStatus(), 'wrapping');
  // Another agent's token gets no answer of alice's invite once alice is out: only the refusal.
  const bob = await sandbox.flexToken(chat.worker('bob'));
  const other = await sandbox.invoke(INVITE, { ...form, Token: bob }, variables);
  assert.equal(other.status, 403, other.body);
});

/** Write `entry` as the transferred task's record for an invite to Sales (what another call would have written). */
async function plantEntry(entry) {
  const tasks = client.taskrouter.v1.workspaces(chat.workspaceSid).tasks;
  const attributes = JSON.parse((await tasks(chat.taskSid).fetch()).attributes);
  const key = `warm:${chat.queue('Sales')}`;
  await tasks(chat.taskSid).update({ attributes: JSON.stringify({ ...attributes, chatTransferInvites: { [key]: entry } }) });
  return key;
}

test('a copy waits for the call making the invite and answers with its answer', async () => {
  const planted = { claim: 'c0ffee00-0000-4000-8000-000000000000', by: chat.worker('alice'), at: Date.now() };
  const key = await plantEntry(planted);
  const mark = await sandbox.lastRequestId();
  const copy = sandbox.invoke(INVITE, inviteForm(chat, token), variables);
  // Once the copy has read the claim, the first call (played by the test) finishes and writes its answer.
  await waitFor('the copy reading the claimed task', async () => (await sandbox.requests(mark))
    .filter((entry) => entry.method === 'GET' && entry.path.endsWith(`/Tasks/${chat.taskSid}`)).length >= 2);
  const first = { status: 200, body: { success: true, message: 'Participant invite KG0', participantInviteSid: 'KG0', invitesTaskSid: 'WT0' } };
  const tasks = client.taskrouter.v1.workspaces(chat.workspaceSid).tasks;
  const attributes = JSON.parse((await tasks(chat.taskSid).fetch()).attributes);
  await tasks(chat.taskSid).update({ attributes: JSON.stringify({ ...attributes, chatTransferInvites: { [key]: { ...planted, answer: first } } }) });
  const answer = await copy;
  assert.equal(answer.status, 200);
  assert.deepEqual(answer.json, first.body);
  assert.equal((await channelInvites()).length, 0, 'the copy made no invite');
});

test('a claim nobody answered for longer than a function may run is taken over: the invite is made', async () => {
  await plantEntry({ claim: 'dead0000-0000-4000-8000-000000000000', by: chat.worker('alice'), at: Date.now() - 60000 });
  const answer = await sandbox.invoke(INVITE, inviteForm(chat, token), variables);
  assert.equal(answer.status, 200, answer.body);
  assert.equal((await channelInvites()).length, 1);
});

test('a claim still at work past the wait is 409 "still being made", nothing written', async () => {
  await plantEntry({ claim: 'busy0000-0000-4000-8000-000000000000', by: chat.worker('alice'), at: Date.now() });
  const before = await sandbox.writeCount();
  const answer = await sandbox.invoke(INVITE, inviteForm(chat, token), variables);
  assert.equal(answer.status, 409, answer.body);
  assert.match(answer.json.message, /^taskSid: an identical invite of task WT[0-9a-f]{32} to WQ[0-9a-f]{32} is still being made by another request \(fix: /);
  assert.equal(await sandbox.writeCount(), before);
  assert.equal((await channelInvites()).length, 0);
});

test('an answer too large to keep on the transferred task still answers the invite (the claim stays, the log says why)', async () => {
  const tasks = client.taskrouter.v1.workspaces(chat.workspaceSid).tasks;
  const attributes = JSON.parse((await tasks(chat.taskSid).fetch()).attributes);
  const key = `warm:${chat.queue('Sales')}`;
  const claim = { [key]: { claim: '00000000-0000-4000-8000-000000000000', by: chat.worker('alice'), at: Date.now() } };
  const withClaim = JSON.stringify({ ...attributes, notes: '', chatTransferInvites: claim }).length;
  // Room for the claim (and 30 characters to spare), none for the answer.
  await tasks(chat.taskSid).update({ attributes: JSON.stringify({ ...attributes, notes: 'x'.repeat(4096 - 30 - withClaim) }) });
  const answer = await sandbox.invoke(INVITE, inviteForm(chat, token), variables);
  assert.equal(answer.status, 200, answer.body);
  assert.match(answer.stderr, /invite-once: the answer for warm:WQ[0-9a-f]{32} on task WT[0-9a-f]{32} was not recorded: taskSid: the attributes of task WT[0-9a-f]{32} would be \d+ characters/);
  const entry = JSON.parse((await tasks(chat.taskSid).fetch()).attributes).chatTransferInvites[key];
  assert.ok(entry.claim && !entry.answer);
  assert.ok((await conversationAttributes()).invites[answer.json.invitesTaskSid]);
});

test('once the transfer task is answered, the same invite again is a new transfer; another target is another invite', async () => {
  const workspace = client.taskrouter.v1.workspaces(chat.workspaceSid);
  const first = await sandbox.invoke(INVITE, inviteForm(chat, token), variables);
  const toOscar = await sandbox.invoke(INVITE, inviteForm(chat, token, {
    transferTargetSid: chat.worker('oscar'), transferQueueName: '', transferWorkerName: 'Oscar',
  }), variables);
  assert.equal(toOscar.status, 200, toOscar.body);
  assert.notEqual(toOscar.json.invitesTaskSid, first.json.invitesTaskSid);
  await workspace.tasks(first.json.invitesTaskSid).update({ assignmentStatus: 'canceled', reason: 'the invitee declined' });
  const again = await sandbox.invoke(INVITE, inviteForm(chat, token), variables);
  assert.equal(again.status, 200, again.body);
  assert.notEqual(again.json.invitesTaskSid, first.json.invitesTaskSid);
  assert.equal((await channelInvites()).length, 3);
});

test('parallel warm invites to different targets on one conversation keep every invites entry', async (t) => {
  // Added latency widens the read-then-write window so the writes really interleave.
  await sandbox.addFault({ route: '/Conversations/', kind: 'latency', rate: 1, latency_ms: 40 });
  const targets = [
    {},
    ...['oscar', 'bob', 'dave', 'judy'].map((name) => ({ transferTargetSid: chat.worker(name), transferQueueName: '', transferWorkerName: name })),
  ];
  const mark = await sandbox.lastRequestId();
  let answers;
  try {
    answers = await Promise.all(targets.map((overrides) => sandbox.invoke(INVITE, inviteForm(chat, token, overrides), variables)));
  } finally {
    await sandbox.clearFaults();
  }
  const conversationWrites = (await sandbox.requests(mark))
    .filter((entry) => entry.method === 'POST' && entry.product === 'conversations').length;
  t.diagnostic(`${targets.length} parallel invites: ${conversationWrites} attribute writes`);
  for (const answer of answers) assert.equal(answer.status, 200, answer.body);
  const taskSids = answers.map((answer) => answer.json.invitesTaskSid);
  assert.equal(new Set(taskSids).size, targets.length);
  const invites = (await conversationAttributes()).invites;
  assert.deepEqual(Object.keys(invites).sort(), [...taskSids].sort());
});

test('remove-participant while an invite is being made: the channel stays open and the invite is recorded', async () => {
  // Slow conversation calls keep the invite between its claim and its record long enough to act in between.
  await sandbox.addFault({ route: '/Conversations/', kind: 'latency', rate: 1, latency_ms: 300 });
  const workspace = client.taskrouter.v1.workspaces(chat.workspaceSid);
  const inviting = sandbox.invoke(INVITE, inviteForm(chat, token), variables);
  let removed;
  let answer;
  try {
    await waitFor('the invite\'s claim on the transferred task', async () => {
      const attributes = JSON.parse((await workspace.tasks(chat.taskSid).fetch()).attributes);
      return attributes.chatTransferInvites && attributes.chatTransferInvites[`warm:${chat.queue('Sales')}`];
    });
    removed = await sandbox.invoke(REMOVE, removeForm(chat, token), { TWILIO_FLEX_WORKSPACE_SID: chat.workspaceSid });
  } finally {
    answer = await inviting;
    await sandbox.clearFaults();
  }
  assert.equal(removed.status, 200, removed.body);
  assert.equal(removed.json.channelClosed, false, 'an invite on its way keeps the channel open');
  assert.equal(answer.status, 200, answer.body);
  assert.ok((await conversationAttributes()).invites[answer.json.invitesTaskSid], 'recorded');
  assert.ok(['pending', 'reserved'].includes((await workspace.tasks(answer.json.invitesTaskSid).fetch()).assignmentStatus));
  assert.equal((await client.flexApi.v1.interaction(chat.interactionSid).channels(chat.channelSid).fetch()).status, 'active');
});

test('the chat closed between the invite and its record (a remove-participant that read no invite): 409, nothing recorded', async () => {
  await sandbox.addFault({ route: '/Conversations/', kind: 'latency', rate: 1, latency_ms: 300 });
  const workspace = client.taskrouter.v1.workspaces(chat.workspaceSid);
  const inviting = sandbox.invoke(INVITE, inviteForm(chat, token), variables);
  let answer;
  try {
    await waitFor('the transfer task', async () => (await transferTasks()).length > 0);
    // What remove-participant does last when it read no pending invite: close the channel.
    await client.flexApi.v1.interaction(chat.interactionSid).channels(chat.channelSid).update({ status: 'closed' });
  } finally {
    answer = await inviting;
    await sandbox.clearFaults();
  }
  assert.equal(answer.status, 409, answer.body);
  assert.match(answer.json.message, /^flexInteractionChannelSid: the chat was closed while the invite was being made: its transfer task WT[0-9a-f]{32} was canceled \(interaction channel closed\), so no transfer is pending \(fix: /);
  const [transfer] = await transferTasks();
  assert.equal(transfer.assignmentStatus, 'canceled');
  assert.deepEqual((await conversationAttributes()).invites || {}, {}, 'the entry was taken back out');
});

test('an invite after remove-participant closed the chat is refused and writes nothing', async () => {
  const removed = await sandbox.invoke(REMOVE, removeForm(chat, token), { TWILIO_FLEX_WORKSPACE_SID: chat.workspaceSid });
  assert.equal(removed.json.channelClosed, true);
  const before = await sandbox.writeCount();
  const answer = await sandbox.invoke(INVITE, inviteForm(chat, token), variables);
  assert.equal(answer.status, 400, answer.body);
  assert.match(answer.json.message, /^flexInteractionChannelSid: channel UO[0-9a-f]{32} is closed/);
  assert.equal(await sandbox.writeCount(), before);
});

test('a GET with the token in its query string is 405 with Allow: POST, before the token check; nothing written', async () => {
  const before = await sandbox.control('GET', '/requests/summary');
  const answer = await sandbox.invoke(INVITE, inviteForm(chat, token), variables, { method: 'GET' });
  assert.equal(answer.status, 405, answer.body);
  assert.equal(answer.headers.Allow, 'POST');
  assert.match(answer.json.message, /^method: this function answers a POST with a form body only/);
  const after = await sandbox.control('GET', '/requests/summary');
  assert.equal(after.writes, before.writes);
  assert.equal(after.total, before.total, 'not even the token was checked');
});

test('a POST with the token in its query string is 400 naming the query string, before the token check', async () => {
  const { Token, ...form } = inviteForm(chat, token);
  const before = await sandbox.control('GET', '/requests/summary');
  const answer = await sandbox.invoke(INVITE, form, variables, { query: { Token } });
  assert.equal(answer.status, 400, answer.body);
  assert.match(answer.json.message, /^query string: the request body \(\d+ bytes\) cannot hold the fields this request carries/);
  assert.equal((await sandbox.control('GET', '/requests/summary')).total, before.total);
  // The same fields all in the body pass that check.
  assert.equal((await sandbox.invoke(INVITE, { ...form, Token }, variables)).status, 200);
});
