'use strict';
// Task attribute names end to end (issue 17): the stack's chat-transfer:attributes renames the attributes the
// Chat Transfer workflow reads and sets TRANSFER_ATTRIBUTE_* on the Functions environment; the invite writes
// the attributes under those names (and not the defaults), so the renamed workflow routes the transfer. A bad
// variable is the operator's: 500, one line naming it and the fix, nothing written.

const { test, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { useSandbox } = require('./helpers/sandbox');
const { INVITE, DEFAULT_ATTRIBUTE_NAMES, chatWithTransferWorkflow, inviteForm } = require('./helpers/chat');

const RENAMED = {
  targetType: 'routeTargetKind',
  targetSid: 'routeTargetSid',
  queueName: 'routeQueue',
  workersInConversation: 'agentsAlreadyInChat',
};
const VARIABLE_OF = {
  targetType: 'TRANSFER_ATTRIBUTE_TARGET_TYPE',
  targetSid: 'TRANSFER_ATTRIBUTE_TARGET_SID',
  queueName: 'TRANSFER_ATTRIBUTE_QUEUE_NAME',
  workersInConversation: 'TRANSFER_ATTRIBUTE_WORKERS_IN_CONVERSATION',
};
const renamedVariables = () => Object.fromEntries(Object.entries(RENAMED).map(([role, name]) => [VARIABLE_OF[role], name]));

const sandbox = useSandbox();
let client;
let chat;
let token;
let base;


/** A fresh seeded chat and a Chat Transfer workflow that reads the attributes under `names`. */
async function withWorkflowReading(names) {
  await sandbox.reset();
  client = sandbox.client();
  ({ chat, variables: base } = await chatWithTransferWorkflow(sandbox, client, { targets: ['Sales', 'Support'], names }));
  token = await sandbox.flexToken(chat.worker('alice'));
}

const workspace = () => client.taskrouter.v1.workspaces(chat.workspaceSid);

async function createdTask(answer) {
  assert.equal(answer.status, 200, answer.body);
  const task = await workspace().tasks(answer.json.invitesTaskSid).fetch();
  return { task, attributes: JSON.parse(task.attributes) };
}

async function pendingReservationWorker(taskSid) {
  const [reservation] = await workspace().tasks(taskSid).reservations.list({ reservationStatus: 'pending' });
  return reservation ? reservation.workerSid : null;
}

beforeEach(() => withWorkflowReading(RENAMED));

test('renamed attributes: a warm queue invite writes the configured names, none of the defaults, and the renamed workflow routes it to the queue', async () => {
  const answer = await sandbox.invoke(INVITE, inviteForm(chat, token, {
    // Stale values of an earlier transfer under the default names, as a copied task can carry them.
    jsonAttributes: JSON.stringify({ customerName: 'Casey', transferTargetType: 'worker', transferQueueName: 'Old', transferTargetSid: chat.worker('bob') }),
    workersToIgnore: JSON.stringify({ workerSidsInConversation: [chat.worker('alice')] }),
  }), { ...base, ...renamedVariables() });
  const { task, attributes } = await createdTask(answer);
  assert.equal(attributes.routeTargetKind, 'queue');
  assert.equal(attributes.routeTargetSid, chat.queue('Sales'));
  assert.equal(attributes.routeQueue, 'Sales');
  assert.deepEqual(attributes.agentsAlreadyInChat, [chat.worker('alice')]);
  for (const name of Object.values(DEFAULT_ATTRIBUTE_NAMES)) {
    assert.ok(!(name in attributes), `the default name ${name} is not on the task: ${task.attributes}`);
  }
  assert.equal(attributes.customerName, 'Casey');
  assert.equal(attributes.conversations.conversation_id, chat.conversationSid);
  // The workflow reads only the renamed attributes: the Sales filter matched (not the default Everyone), and
  // the agent already in the chat is not offered the transfer.
  assert.equal(task.taskQueueSid, chat.queue('Sales'));
  const offered = await pendingReservationWorker(task.sid);
  assert.ok(offered, 'the transfer is offered to an agent');
  assert.notEqual(offered, chat.worker('alice'));
});

test('renamed attributes: a cold transfer to a worker is routed to that worker through the renamed target SID', async () => {
  const answer = await sandbox.invoke(INVITE, inviteForm(chat, token, {
    transferTargetSid: chat.worker('bob'), transferQueueName: '', transferWorkerName: 'bob',
    removeFlexInteractionParticipantSid: chat.agentParticipantSid,
  }), { ...base, ...renamedVariables() });
  const { task, attributes } = await createdTask(answer);
  assert.equal(attributes.routeTargetKind, 'worker');
  assert.equal(attributes.routeTargetSid, chat.worker('bob'));
  assert.equal(attributes.routeQueue, '');
  assert.deepEqual(attributes.agentsAlreadyInChat, []);
  assert.ok(!('transferTargetSid' in attributes) && !('transferTargetType' in attributes));
  assert.equal(await pendingReservationWorker(task.sid), chat.worker('bob'));
  assert.equal((await workspace().tasks(chat.taskSid).fetch()).assignmentStatus, 'wrapping', 'the transferring agent was closed');
});

test('renamed attributes: the plugin\'s workerSidsInConversation list goes under the configured name, merged with one sent under that name', async () => {
  const answer = await sandbox.invoke(INVITE, inviteForm(chat, token, {
    workersToIgnore: JSON.stringify({ workerSidsInConversation: [chat.worker('alice'), chat.worker('bob')], agentsAlreadyInChat: [chat.worker('bob'), chat.worker('dave')] }),
  }), { ...base, ...renamedVariables() });
  const { attributes } = await createdTask(answer);
  assert.deepEqual([...attributes.agentsAlreadyInChat].sort(), [chat.worker('alice'), chat.worker('bob'), chat.worker('dave')].sort());
  assert.ok(!('workerSidsInConversation' in attributes));
});

test('renaming one attribute: only that one moves, the other three keep their default names', async () => {
  const answer = await sandbox.invoke(INVITE, inviteForm(chat, token), { ...base, TRANSFER_ATTRIBUTE_QUEUE_NAME: 'routeQueue' });
  const { attributes } = await createdTask(answer);
  assert.equal(attributes.routeQueue, 'Sales');
  assert.ok(!('transferQueueName' in attributes));
  assert.equal(attributes.transferTargetType, 'queue');
  assert.equal(attributes.transferTargetSid, chat.queue('Sales'));
  assert.deepEqual(attributes.workerSidsInConversation, []);
});

test('unset or empty variables mean the plugin\'s default names (a default workflow routes the invite)', async () => {
  await withWorkflowReading(DEFAULT_ATTRIBUTE_NAMES);
  const empty = Object.fromEntries(Object.values(VARIABLE_OF).map((variable) => [variable, '']));
  for (const variables of [base, { ...base, ...empty }]) {
    const { task, attributes } = await createdTask(await sandbox.invoke(INVITE, inviteForm(chat, token), variables));
    assert.equal(attributes.transferTargetType, 'queue');
    assert.equal(attributes.transferTargetSid, chat.queue('Sales'));
    assert.equal(attributes.transferQueueName, 'Sales');
    assert.deepEqual(attributes.workerSidsInConversation, []);
    assert.equal(task.taskQueueSid, chat.queue('Sales'));
  }
});

// [case, variables, the variable the line names, what it says]
const MISCONFIGURED = [
  ['a hyphen (not usable unquoted in an expression)', { TRANSFER_ATTRIBUTE_TARGET_TYPE: 'transfer-target-type' }, 'TRANSFER_ATTRIBUTE_TARGET_TYPE',
    /"transfer-target-type" is not a task attribute name the workflow can read unquoted/],
  ['a leading digit', { TRANSFER_ATTRIBUTE_TARGET_SID: '1target' }, 'TRANSFER_ATTRIBUTE_TARGET_SID', /"1target" is not a task attribute name/],
  ['a dotted path', { TRANSFER_ATTRIBUTE_QUEUE_NAME: 'transfer.queue' }, 'TRANSFER_ATTRIBUTE_QUEUE_NAME', /"transfer\.queue" is not a task attribute name/],
  ['too long', { TRANSFER_ATTRIBUTE_WORKERS_IN_CONVERSATION: 'w'.repeat(129) }, 'TRANSFER_ATTRIBUTE_WORKERS_IN_CONVERSATION',
    /129 characters, over the limit of 128 for a task attribute name/],
  ['two variables set to one name', { TRANSFER_ATTRIBUTE_TARGET_TYPE: 'routeTarget', TRANSFER_ATTRIBUTE_TARGET_SID: 'routeTarget' }, 'TRANSFER_ATTRIBUTE_TARGET_SID',
    /TRANSFER_ATTRIBUTE_TARGET_TYPE and TRANSFER_ATTRIBUTE_TARGET_SID both name the attribute "routeTarget"; the four transfer attributes need four different names/],
  ['a set name equal to another\'s default', { TRANSFER_ATTRIBUTE_TARGET_SID: 'transferQueueName' }, 'TRANSFER_ATTRIBUTE_TARGET_SID',
    /TRANSFER_ATTRIBUTE_TARGET_SID and TRANSFER_ATTRIBUTE_QUEUE_NAME \(unset: its default\) both name the attribute "transferQueueName"/],
  ['an attribute the invite writes itself', { TRANSFER_ATTRIBUTE_QUEUE_NAME: 'conversations' }, 'TRANSFER_ATTRIBUTE_QUEUE_NAME',
    /"conversations" is an attribute the invite or Flex already writes on the task/],
  ['an attribute Flex writes', { TRANSFER_ATTRIBUTE_TARGET_SID: 'flexInteractionChannelSid' }, 'TRANSFER_ATTRIBUTE_TARGET_SID',
    /"flexInteractionChannelSid" is an attribute the invite or Flex already writes/],
];

test('a misconfigured TRANSFER_ATTRIBUTE_* variable is a 500 with one line naming it and the fix, before anything is written', async () => {
  for (const [name, variables, variable, rule] of MISCONFIGURED) {
    const before = await sandbox.writeCount();
    for (const form of [inviteForm(chat, token), inviteForm(chat, token, { removeFlexInteractionParticipantSid: chat.agentParticipantSid })]) {
      const answer = await sandbox.invoke(INVITE, form, { ...base, ...variables });
      assert.equal(answer.status, 500, `${name}: ${answer.body}`);
      assert.equal(answer.json.success, false);
      const { message } = answer.json;
      assert.ok(message.startsWith(`${variable}: `), `${name}: ${message}`);
      assert.match(message, rule, name);
      assert.match(message, /\(fix: set it to the same name as chat-transfer:attributes in the stack config, or leave it unset for the default/);
      assert.ok(!message.includes('\n'), 'one line');
      assert.match(answer.stderr, new RegExp(`^${INVITE}: ${variable}: `, 'm'), 'the operator finds the line in the Functions log');
    }
    assert.equal(await sandbox.writeCount(), before, `no write for ${name}`);
  }
  assert.equal((await client.flexApi.v1.interaction(chat.interactionSid).channels(chat.channelSid).invites.list()).length, 0);
  assert.equal((await workspace().tasks(chat.taskSid).fetch()).assignmentStatus, 'assigned', 'the cold transfer did not close the agent');
});
