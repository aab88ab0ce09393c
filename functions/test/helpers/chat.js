'use strict';
// The seeded Flex chat and a Chat Transfer workflow, as the function suites need them.

const INVITE = '/features/conversation-transfer/flex/invite-participant';
const REMOVE = '/features/conversation-transfer/flex/remove-participant';
const UPDATE_ATTRIBUTES = '/common/flex/conversations/update-attributes';

function pick(map, name) {
  const value = map && (map[name] !== undefined ? map[name] : undefined);
  if (value === undefined) throw new Error(`sandbox seed has no "${name}" (got ${JSON.stringify(Object.keys(map || {}))})`);
  return typeof value === 'object' && value !== null ? value.sid : value;
}

/** SIDs from GET /_sandbox/seed, so no test hard-codes one. */
async function seededChat(sandbox) {
  const info = await sandbox.seed();
  const { chat } = info;
  return {
    info,
    workspaceSid: typeof info.workspace === 'object' ? info.workspace.sid : info.workspace,
    queue: (name) => pick(info.queues, name),
    worker: (name) => pick(info.workers, name),
    interactionSid: chat.interaction,
    channelSid: chat.channel,
    conversationSid: chat.conversation,
    agentParticipantSid: chat.agent_participant,
    customerParticipantSid: chat.customer_participant,
    taskSid: chat.task,
  };
}

/** A Chat Transfer workflow in the seeded workspace, shaped like the one the infra program renders. */
async function createChatTransferWorkflow(client, chat, everyone, queues) {
  const filters = [
    {
      filter_friendly_name: 'Assign to Worker',
      expression: "transferTargetType == 'worker'",
      targets: [{ queue: everyone, known_worker_sid: 'task.transferTargetSid' }],
    },
    ...Object.entries(queues).map(([name, sid]) => ({
      filter_friendly_name: `Assign To Queue - ${name}`,
      expression: `transferTargetType == 'queue' AND transferQueueName == '${name}'`,
      targets: [{ queue: sid, expression: 'worker.sid NOT IN task.workerSidsInConversation' }],
    })),
  ];
  const workflow = await client.taskrouter.v1.workspaces(chat.workspaceSid).workflows.create({
    friendlyName: 'Chat Transfer',
    configuration: JSON.stringify({ task_routing: { filters, default_filter: { queue: everyone } } }),
  });
  return workflow.sid;
}

/** The plugin's invite form for the seeded chat; `overrides` replace fields ('' where the plugin sends ''). */
function inviteForm(chat, token, overrides = {}) {
  return {
    Token: token,
    taskSid: chat.taskSid,
    conversationId: chat.conversationSid,
    conversationSid: chat.conversationSid,
    jsonAttributes: JSON.stringify({ channelType: 'web', customerName: 'Casey', conversations: { initiated_by: 'customer' } }),
    transferTargetSid: chat.queue('Sales'),
    transferQueueName: 'Sales',
    transferWorkerName: '',
    workersToIgnore: JSON.stringify({ workerSidsInConversation: [] }),
    flexInteractionSid: chat.interactionSid,
    flexInteractionChannelSid: chat.channelSid,
    removeFlexInteractionParticipantSid: '',
    taskChannelUniqueName: 'chat',
    ...overrides,
  };
}

/** Accept the pending reservation of `taskSid`; resolves to the accepting worker's SID. */
async function acceptPending(client, workspaceSid, taskSid) {
  const task = client.taskrouter.v1.workspaces(workspaceSid).tasks(taskSid);
  const [reservation] = await task.reservations.list({ reservationStatus: 'pending' });
  if (!reservation) throw new Error(`task ${taskSid} has no pending reservation`);
  await task.reservations(reservation.sid).update({ reservationStatus: 'accepted' });
  return reservation.workerSid;
}

/**
 * A second chat, as a customer writing in: conversation, interaction routed by "Assign to Anyone", the offered
 * agent accepts. Resolves to the same shape as seededChat's chat fields.
 */
async function openChat(client, chat, customer) {
  const conversation = await client.conversations.v1.conversations.create({ friendlyName: `Chat with ${customer}`, attributes: '{}' });
  await client.conversations.v1.conversations(conversation.sid).participants.create({ identity: customer });
  const interaction = await client.flexApi.v1.interaction.create({
    channel: { type: 'chat', initiated_by: 'customer', properties: { media_channel_sid: conversation.sid } },
    routing: {
      properties: {
        workspace_sid: chat.workspaceSid,
        workflow_sid: chat.info.workflows['Assign to Anyone'],
        task_channel_unique_name: 'chat',
        attributes: { from: customer, customerName: customer, channelType: 'web' },
      },
    },
  });
  const taskSid = interaction.routing.properties.task_sid;
  const worker = await acceptPending(client, chat.workspaceSid, taskSid);
  const [channel] = await client.flexApi.v1.interaction(interaction.sid).channels.list();
  const participants = await client.flexApi.v1.interaction(interaction.sid).channels(channel.sid).participants.list();
  const agent = participants.find((participant) => participant.type === 'agent');
  return {
    interactionSid: interaction.sid, channelSid: channel.sid, conversationSid: conversation.sid, taskSid, worker,
    agentParticipantSid: agent.sid, customerParticipantSid: (participants.find((participant) => participant.type === 'customer') || {}).sid,
  };
}

module.exports = { INVITE, REMOVE, UPDATE_ATTRIBUTES, seededChat, createChatTransferWorkflow, inviteForm, acceptPending, openChat };
