'use strict';
// Every channel the feature supports (issue 17): a chat (webchat), SMS, WhatsApp and email interaction opened
// through the sandbox's Flex Interactions API, each transferred warm and cold. The invite keeps the original
// task's channel; with email every recipient is a customer-side participant (`customer` or `external`), none
// of them is an agent in the chat, none can be closed, and they do not keep a channel open nobody works on.

const { test, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { useSandbox } = require('./helpers/sandbox');
const { INVITE, REMOVE, CHANNELS, chatWithTransferWorkflow, inviteForm, acceptPending, openChat } = require('./helpers/chat');

const sandbox = useSandbox();
let client;
let seeded;
let variables;


beforeEach(async () => {
  await sandbox.reset();
  client = sandbox.client();
  ({ chat: seeded, variables } = await chatWithTransferWorkflow(sandbox, client));
});

const workspace = () => client.taskrouter.v1.workspaces(seeded.workspaceSid);
const channelApi = (opened) => client.flexApi.v1.interaction(opened.interactionSid).channels(opened.channelSid);

/** A chat of `channel` accepted by an agent, with what the plugin sends from that agent's task. */
async function openAccepted(channel) {
  const opened = await openChat(client, seeded, 'Casey', channel);
  const task = await workspace().tasks(opened.taskSid).fetch();
  return {
    ...opened,
    channel,
    queue: seeded.queue,
    originalTask: task,
    token: await sandbox.flexToken(opened.worker),
    form(overrides = {}) {
      return inviteForm(this, this.token, {
        jsonAttributes: task.attributes, taskChannelUniqueName: task.taskChannelUniqueName,
        workersToIgnore: JSON.stringify({ workerSidsInConversation: [opened.worker] }), ...overrides,
      });
    },
  };
}

const otherWorker = (opened, name = 'carol') => (seeded.worker(name) === opened.worker ? seeded.worker('dave') : seeded.worker(name));

async function assertKeepsChannel(opened, answer) {
  assert.equal(answer.status, 200, answer.body);
  assert.equal(answer.json.success, true);
  const task = await workspace().tasks(answer.json.invitesTaskSid).fetch();
  assert.equal(task.taskChannelUniqueName, opened.originalTask.taskChannelUniqueName, "the new task is on the original task's channel");
  assert.equal(task.taskChannelUniqueName, CHANNELS[opened.channel].taskChannel);
  const attributes = JSON.parse(task.attributes);
  assert.equal(attributes.channelType, opened.channelType, 'the original attributes are copied');
  assert.equal(attributes.flexInteractionChannelSid, opened.channelSid, 'the invite is on the same interaction channel');
  assert.equal(attributes.conversations.conversation_id, opened.conversationSid);
  return task;
}

async function pendingWorker(taskSid) {
  const [reservation] = await workspace().tasks(taskSid).reservations.list({ reservationStatus: 'pending' });
  return reservation ? reservation.workerSid : null;
}

for (const channel of Object.keys(CHANNELS)) {
  test(`${channel}: a warm invite to a queue keeps the task channel, is routed to another agent who joins, the first agent stays`, async () => {
    const opened = await openAccepted(channel);
    assert.equal(opened.channelKind, CHANNELS[channel].type);
    const answer = await sandbox.invoke(INVITE, opened.form(), variables);
    const task = await assertKeepsChannel(opened, answer);
    assert.equal(task.taskQueueSid, seeded.queue('Sales'));
    const offered = await pendingWorker(task.sid);
    assert.ok(offered && offered !== opened.worker, `offered to another agent (got ${offered})`);
    const conversation = await client.conversations.v1.conversations(opened.conversationSid).fetch();
    assert.equal(JSON.parse(conversation.attributes).invites[task.sid].inviteTargetType, 'Queue');
    assert.equal((await workspace().tasks(opened.taskSid).fetch()).assignmentStatus, 'assigned');

    await acceptPending(client, seeded.workspaceSid, task.sid);
    const agents = (await channelApi(opened).participants.list()).filter((participant) => participant.type === 'agent')
      .map((participant) => participant.routingProperties.worker_sid);
    assert.deepEqual(agents.sort(), [opened.worker, offered].sort(), 'both agents are in the chat');
  });

  test(`${channel}: a cold transfer to a worker keeps the task channel, closes only the transferring agent, leaves every recipient`, async () => {
    const opened = await openAccepted(channel);
    const target = otherWorker(opened);
    const membersBefore = await client.conversations.v1.conversations(opened.conversationSid).participants.list();
    const answer = await sandbox.invoke(INVITE, opened.form({
      transferTargetSid: target, transferQueueName: '', transferWorkerName: 'carol', removeFlexInteractionParticipantSid: opened.agentParticipantSid,
    }), variables);
    const task = await assertKeepsChannel(opened, answer);
    assert.equal(await pendingWorker(task.sid), target);
    assert.equal((await workspace().tasks(opened.taskSid).fetch()).assignmentStatus, 'wrapping', 'the transferring agent was closed');
    const membersAfter = await client.conversations.v1.conversations(opened.conversationSid).participants.list();
    assert.equal(membersAfter.length, membersBefore.length - 1, 'only the agent left the conversation');
    const customerSide = (participants) => participants.filter((member) => member.messagingBinding || /Casey/.test(member.identity || ''))
      .map((member) => member.sid).sort();
    assert.deepEqual(customerSide(membersAfter), customerSide(membersBefore));
    assert.equal(customerSide(membersAfter).length, CHANNELS[channel].recipients('Casey').length);
  });
}

test('email: no recipient is an agent: remove-participant and a cold transfer refuse to close the customer or another recipient, nothing written', async () => {
  const opened = await openAccepted('email');
  assert.deepEqual(opened.recipients.map((recipient) => recipient.type), ['customer', 'customer', 'external']);
  const before = await sandbox.writeCount();
  for (const recipient of opened.recipients) {
    const removed = await sandbox.invoke(REMOVE, {
      Token: opened.token, conversationSid: opened.conversationSid, flexInteractionSid: opened.interactionSid,
      flexInteractionChannelSid: opened.channelSid, flexInteractionParticipantSid: recipient.sid,
    }, variables);
    assert.equal(removed.status, 403, removed.body);
    assert.match(removed.json.message, new RegExp(`^flexInteractionParticipantSid: ${recipient.sid} is the ${recipient.type} participant of this chat; remove-participant closes only agent participants, never the customer`));
    const cold = await sandbox.invoke(INVITE, opened.form({ removeFlexInteractionParticipantSid: recipient.sid }), variables);
    assert.equal(cold.status, 403, cold.body);
    assert.match(cold.json.message, new RegExp(`^removeFlexInteractionParticipantSid: ${recipient.sid} is the ${recipient.type} participant; a cold transfer closes only the transferring`));
  }
  assert.equal(await sandbox.writeCount(), before);
});

test('email: a recipient participant carrying a worker\'s routing properties does not make that worker an agent in the chat', async () => {
  const opened = await openAccepted('email');
  const carol = otherWorker(opened);
  await channelApi(opened).participants.create({
    type: 'external', mediaProperties: { address: 'carol.personal@example.net' }, routingProperties: { worker_sid: carol, task_sid: opened.taskSid },
  });
  const token = await sandbox.flexToken(carol);
  const before = await sandbox.writeCount();
  const answer = await sandbox.invoke(INVITE, inviteForm(opened, token, { taskChannelUniqueName: 'email', jsonAttributes: opened.originalTask.attributes }), variables);
  assert.equal(answer.status, 403, answer.body);
  assert.match(answer.json.message, /^flexInteractionChannelSid: the signed-in agent \(worker WK[0-9a-f]{32}\) is not an agent in channel/);
  assert.equal(await sandbox.writeCount(), before);
});

test('email: the last agent leaving closes the channel although several recipients remain; with another agent in, it stays open', async () => {
  const opened = await openAccepted('email');
  const remove = (token, participantSid) => sandbox.invoke(REMOVE, {
    Token: token, conversationSid: opened.conversationSid, flexInteractionSid: opened.interactionSid,
    flexInteractionChannelSid: opened.channelSid, flexInteractionParticipantSid: participantSid,
  }, variables);

  // A second agent joins (warm invite accepted, the invite entry cleared as the plugin's tracker does).
  const invite = await sandbox.invoke(INVITE, opened.form({ transferTargetSid: otherWorker(opened), transferQueueName: '', transferWorkerName: 'carol' }), variables);
  assert.equal(invite.status, 200, invite.body);
  const joined = await acceptPending(client, seeded.workspaceSid, invite.json.invitesTaskSid);
  await client.conversations.v1.conversations(opened.conversationSid).update({ attributes: '{}' });
  const first = await remove(opened.token, opened.agentParticipantSid);
  assert.equal(first.status, 200, first.body);
  assert.equal(first.json.channelClosed, false, 'the agent who joined is still in the chat');
  assert.equal((await channelApi(opened).fetch()).status, 'active');

  const theirs = (await channelApi(opened).participants.list()).find((participant) => participant.type === 'agent' && participant.routingProperties.worker_sid === joined);
  const last = await remove(await sandbox.flexToken(joined), theirs.sid);
  assert.equal(last.status, 200, last.body);
  assert.equal(last.json.channelClosed, true, 'no agent is left: the next email starts a new interaction');
  assert.equal((await channelApi(opened).fetch()).status, 'closed');
  const members = await client.conversations.v1.conversations(opened.conversationSid).participants.list();
  assert.equal(members.length, 3, 'the three recipients are still in the conversation');
});

test('a taskChannelUniqueName other than the task\'s own is refused before anything is written', async () => {
  const opened = await openAccepted('email');
  const before = await sandbox.writeCount();
  const answer = await sandbox.invoke(INVITE, opened.form({ taskChannelUniqueName: 'chat' }), variables);
  assert.equal(answer.status, 400, answer.body);
  assert.match(answer.json.message, new RegExp(`^taskChannelUniqueName: "chat" is not the task channel of task ${opened.taskSid} \\(that is "email"\\); the new task keeps the original's channel \\(fix: `));
  assert.equal(await sandbox.writeCount(), before);
  assert.equal((await channelApi(opened).invites.list()).length, 0);
});
