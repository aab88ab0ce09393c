'use strict';
// functions/ deployed to the sandbox's Serverless API and called through /_runtime, as the Flex plugin would.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { useSandbox } = require('./helpers/sandbox');
const { deployFunctions, callDeployed, localFunctions } = require('./helpers/deploy');
const { INVITE, UPDATE_ATTRIBUTES, chatWithTransferWorkflow, createChatTransferWorkflow, inviteForm } = require('./helpers/chat');

let client;
let chat;
let domain;
let token;
let renamedWorkflowSid;

const RENAMED = { targetType: 'routeTargetKind', targetSid: 'routeTargetSid', queueName: 'routeQueue', workersInConversation: 'agentsAlreadyInChat' };

const sandbox = useSandbox({
  args: ['--build-seconds', '0'],
  setUp: async () => {
    client = sandbox.client();
    let variables;
    ({ chat, variables } = await chatWithTransferWorkflow(sandbox, client));
    renamedWorkflowSid = await createChatTransferWorkflow(client, chat, chat.queue('Everyone'), { Sales: chat.queue('Sales') }, RENAMED);
    domain = await deployFunctions(sandbox, variables);
    token = await sandbox.flexToken(chat.worker('alice'));
  },
});

/**
 * The suite shares one chat, and an invite identical to one still waiting (same task, same target) is
 * answered with that one (functions/README.md "Identical invites"): end the earlier transfers first.
 */
async function endWaitingTransfers() {
  const tasks = client.taskrouter.v1.workspaces(chat.workspaceSid).tasks;
  for (const task of await tasks.list({ assignmentStatus: ['pending', 'reserved'] })) {
    if (task.sid !== chat.taskSid) await tasks(task.sid).update({ assignmentStatus: 'canceled', reason: 'next test' });
  }
}

test('the layout gives each file its public path and visibility', () => {
  const byPath = Object.fromEntries(localFunctions().map((fn) => [fn.path, fn.visibility]));
  assert.equal(byPath[INVITE], 'public');
  assert.equal(byPath['/common/helpers/parameters'], 'private');
  assert.equal(byPath['/features/conversation-transfer/helpers/invite-tracker'], 'private');
});

test('a deployed warm invite answers like the seed and records the invite', async () => {
  const answer = await callDeployed(sandbox, domain, INVITE, inviteForm(chat, token));
  assert.equal(answer.status, 200, answer.body);
  assert.equal(answer.json.success, true);
  assert.equal(answer.headers['access-control-allow-origin'], '*');
  const conversation = await client.conversations.v1.conversations(chat.conversationSid).fetch();
  assert.ok(JSON.parse(conversation.attributes).invites[answer.json.invitesTaskSid]);
});

test('deployed: no token is 403, private helpers are not served', async () => {
  const refused = await callDeployed(sandbox, domain, INVITE, inviteForm(chat, ''));
  assert.equal(refused.status, 403);
  const helper = await callDeployed(sandbox, domain, '/common/helpers/parameters', {});
  assert.equal(helper.status, 404);
});

test('warm to Sales skipping alice: a Sales agent other than alice gets it, accepting adds them, the plugin clears the entry', async () => {
  await endWaitingTransfers();
  const answer = await callDeployed(sandbox, domain, INVITE, inviteForm(chat, token, {
    workersToIgnore: JSON.stringify({ workerSidsInConversation: [chat.worker('alice')] }),
  }));
  assert.equal(answer.status, 200, answer.body);
  const task = client.taskrouter.v1.workspaces(chat.workspaceSid).tasks(answer.json.invitesTaskSid);
  const [reservation] = await task.reservations.list({ reservationStatus: 'pending' });
  assert.ok(reservation, 'the transfer task got a reservation');
  assert.notEqual(reservation.workerSid, chat.worker('alice'));
  assert.ok(['bob', 'dave', 'judy'].map((name) => chat.worker(name)).includes(reservation.workerSid), reservation.workerName);
  await task.reservations(reservation.sid).update({ reservationStatus: 'accepted' });
  const members = await client.conversations.v1.conversations(chat.conversationSid).participants.list();
  assert.ok(members.some((member) => member.identity === reservation.workerName), members.map((m) => m.identity).join(','));

  // What the plugin's invite tracker does on accept: drop the entry and post the whole attributes back.
  const conversation = await client.conversations.v1.conversations(chat.conversationSid).fetch();
  const attributes = JSON.parse(conversation.attributes);
  delete attributes.invites[answer.json.invitesTaskSid];
  const cleared = await callDeployed(sandbox, domain, UPDATE_ATTRIBUTES, {
    Token: token, conversationSid: chat.conversationSid, attributes: JSON.stringify(attributes),
  });
  assert.equal(cleared.status, 200, cleared.body);
  const after = JSON.parse((await client.conversations.v1.conversations(chat.conversationSid).fetch()).attributes);
  assert.equal(after.invites[answer.json.invitesTaskSid], undefined);
});

test('deployed with TRANSFER_ATTRIBUTE_* Variables: the invite writes the renamed attributes and the renamed workflow routes it', async () => {
  await endWaitingTransfers();
  const renamedDomain = await deployFunctions(sandbox, {
    TWILIO_FLEX_WORKSPACE_SID: chat.workspaceSid,
    TWILIO_FLEX_CHAT_TRANSFER_WORKFLOW_SID: renamedWorkflowSid,
    TRANSFER_ATTRIBUTE_TARGET_TYPE: RENAMED.targetType,
    TRANSFER_ATTRIBUTE_TARGET_SID: RENAMED.targetSid,
    TRANSFER_ATTRIBUTE_QUEUE_NAME: RENAMED.queueName,
    TRANSFER_ATTRIBUTE_WORKERS_IN_CONVERSATION: RENAMED.workersInConversation,
  }, 'chat-transfer-renamed');
  const answer = await callDeployed(sandbox, renamedDomain, INVITE, inviteForm(chat, token, {
    workersToIgnore: JSON.stringify({ workerSidsInConversation: [chat.worker('alice')] }),
  }));
  assert.equal(answer.status, 200, answer.body);
  const task = await client.taskrouter.v1.workspaces(chat.workspaceSid).tasks(answer.json.invitesTaskSid).fetch();
  const attributes = JSON.parse(task.attributes);
  assert.equal(attributes.routeTargetKind, 'queue');
  assert.equal(attributes.routeQueue, 'Sales');
  assert.deepEqual(attributes.agentsAlreadyInChat, [chat.worker('alice')]);
  assert.ok(!('transferTargetType' in attributes) && !('workerSidsInConversation' in attributes), task.attributes);
  assert.equal(task.taskQueueSid, chat.queue('Sales'));
});

test('deployed with a bad TRANSFER_ATTRIBUTE_* Variable: 500, one line naming it', async () => {
  const badDomain = await deployFunctions(sandbox, {
    TWILIO_FLEX_WORKSPACE_SID: chat.workspaceSid,
    TWILIO_FLEX_CHAT_TRANSFER_WORKFLOW_SID: renamedWorkflowSid,
    TRANSFER_ATTRIBUTE_QUEUE_NAME: 'transfer queue',
  }, 'chat-transfer-misconfigured');
  const before = await sandbox.writeCount();
  const answer = await callDeployed(sandbox, badDomain, INVITE, inviteForm(chat, token));
  assert.equal(answer.status, 500, answer.body);
  assert.equal(answer.json.success, false);
  assert.match(answer.json.message, /^TRANSFER_ATTRIBUTE_QUEUE_NAME: "transfer queue" is not a task attribute name the workflow can read unquoted .* \(fix: /);
  assert.equal(await sandbox.writeCount(), before);
});

test('deployed: a GET with the token in its query string is 405 (Allow: POST) before the token is looked at; nothing written', async () => {
  const before = await sandbox.control('GET', '/requests/summary');
  const mark = await sandbox.lastRequestId();
  const answer = await callDeployed(sandbox, domain, INVITE, {}, { method: 'GET', query: inviteForm(chat, token) });
  assert.equal(answer.status, 405, answer.body);
  assert.equal(answer.headers.allow, 'POST');
  assert.match(answer.json.message, /^method: this function answers a POST with a form body only \(this request had no body; a GET puts the Flex token in the URL\) \(fix: /);
  const after = await sandbox.control('GET', '/requests/summary');
  assert.equal(after.writes, before.writes, 'no write, not even the token check (IAM)');
  assert.deepEqual((await sandbox.requests(mark)).map((entry) => `${entry.method} ${entry.product}`), ['GET _runtime']);
});

test('deployed: a POST whose query string carries the token is 400 before the token is looked at; nothing written', async () => {
  const before = await sandbox.control('GET', '/requests/summary');
  const { Token, ...rest } = inviteForm(chat, token);
  const answer = await callDeployed(sandbox, domain, INVITE, { taskSid: rest.taskSid }, { query: { Token } });
  assert.equal(answer.status, 400, answer.body);
  assert.match(answer.json.message, /^query string: the request body \(\d+ bytes\) cannot hold the fields this request carries \(at least \d+ bytes\)/);
  assert.equal((await sandbox.control('GET', '/requests/summary')).writes, before.writes);
});

test('deployed: PUT, DELETE and PATCH are 405 from the gateway and reach no function; OPTIONS is the preflight', async () => {
  const before = await sandbox.control('GET', '/requests/summary');
  for (const path of [INVITE, UPDATE_ATTRIBUTES]) {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const answer = await callDeployed(sandbox, domain, path, inviteForm(chat, token), { method });
      assert.equal(answer.status, 405, `${method} ${path}: ${answer.body}`);
      assert.equal(answer.headers.allow, 'GET, POST, OPTIONS');
    }
    const preflight = await callDeployed(sandbox, domain, path, {}, { method: 'OPTIONS' });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], '*');
  }
  assert.equal((await sandbox.control('GET', '/requests/summary')).writes, before.writes);
});
