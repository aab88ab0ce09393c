'use strict';
// The seeded Flex chat and a Chat Transfer workflow, as the function suites need them.

const INVITE = '/features/conversation-transfer/flex/invite-participant';
const REMOVE = '/features/conversation-transfer/flex/remove-participant';
const UPDATE_ATTRIBUTES = '/common/flex/conversations/update-attributes';

/** The plugin's task attribute names (what the workflow reads when chat-transfer:attributes is not set). */
const DEFAULT_ATTRIBUTE_NAMES = {
  targetType: 'transferTargetType',
  targetSid: 'transferTargetSid',
  queueName: 'transferQueueName',
  workersInConversation: 'workerSidsInConversation',
};

/**
 * The channels the feature supports, as Flex Conversations opens them: the interaction channel's type, the
 * task channel its tasks use, the task's channelType, and the customer side (email: every recipient is a
 * participant, `customer` or `external`).
 */
const CHANNELS = {
  chat: { type: 'chat', taskChannel: 'chat', channelType: 'web', recipients: (name) => [{ type: 'customer', identity: name }] },
  sms: { type: 'sms', taskChannel: 'sms', channelType: 'sms', recipients: () => [{ type: 'customer', address: '+15550100001', proxy: '+15550199999' }] },
  whatsapp: {
    type: 'whatsapp', taskChannel: 'chat', channelType: 'whatsapp',
    recipients: () => [{ type: 'customer', address: 'whatsapp:+15550100002', proxy: 'whatsapp:+15550199999' }],
  },
  email: {
    type: 'email', taskChannel: 'email', channelType: 'email',
    recipients: (name) => [
      { type: 'customer', address: `${name.toLowerCase()}@example.org`, proxy: 'support@example.com' },
      { type: 'customer', address: 'second.to@example.org', proxy: 'support@example.com' },
      { type: 'external', address: 'cc.recipient@example.net', proxy: 'support@example.com' },
    ],
  },
};

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

/**
 * A Chat Transfer workflow in the seeded workspace, shaped like the one the infra program renders, reading
 * the task attributes under `names` (chat-transfer:attributes).
 */
async function createChatTransferWorkflow(client, chat, everyone, queues, names = DEFAULT_ATTRIBUTE_NAMES) {
  const filters = [
    {
      filter_friendly_name: 'Assign to Worker',
      expression: `${names.targetType} == 'worker'`,
      targets: [{ queue: everyone, known_worker_sid: `task.${names.targetSid}` }],
    },
    ...Object.entries(queues).map(([name, sid]) => ({
      filter_friendly_name: `Assign To Queue - ${name}`,
      expression: `${names.targetType} == 'queue' AND ${names.queueName} == '${name}'`,
      targets: [{ queue: sid, expression: `worker.sid NOT IN task.${names.workersInConversation}` }],
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

/** The plugin's remove-participant form taking the seeded chat's agent out; `overrides` replace fields. */
function removeForm(chat, token, overrides = {}) {
  return {
    Token: token, conversationSid: chat.conversationSid, flexInteractionSid: chat.interactionSid,
    flexInteractionChannelSid: chat.channelSid, flexInteractionParticipantSid: chat.agentParticipantSid, ...overrides,
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
 * A second chat, as a customer writing in on `channel` (a CHANNELS key): conversation and its customer side,
 * interaction through the sandbox's Flex Interactions API routed by "Assign to Anyone", the offered agent
 * accepts. Resolves to the same shape as seededChat's chat fields, plus the task channel and `recipients`
 * (the customer-side interaction participants: {sid, type}).
 */
async function openChat(client, chat, customer, channel = 'chat') {
  const kind = CHANNELS[channel];
  const conversation = await client.conversations.v1.conversations.create({ friendlyName: `${channel} with ${customer}`, attributes: '{}' });
  const recipients = kind.recipients(customer);
  for (const recipient of recipients) {
    await client.conversations.v1.conversations(conversation.sid).participants.create(recipient.identity
      ? { identity: recipient.identity }
      : { 'messagingBinding.address': recipient.address, 'messagingBinding.proxyAddress': recipient.proxy });
  }
  const interaction = await client.flexApi.v1.interaction.create({
    channel: { type: kind.type, initiated_by: 'customer', properties: { media_channel_sid: conversation.sid } },
    routing: {
      properties: {
        workspace_sid: chat.workspaceSid,
        workflow_sid: chat.info.workflows['Assign to Anyone'],
        task_channel_unique_name: kind.taskChannel,
        attributes: { from: recipients[0].identity || recipients[0].address, customerName: customer, channelType: kind.channelType },
      },
    },
  });
  const taskSid = interaction.routing.properties.task_sid;
  const [channelResource] = await client.flexApi.v1.interaction(interaction.sid).channels.list();
  const participantsApi = client.flexApi.v1.interaction(interaction.sid).channels(channelResource.sid).participants;
  const existing = await participantsApi.list();
  const customerSide = existing.filter((participant) => participant.type === 'customer' || participant.type === 'external')
    .map((participant) => ({ sid: participant.sid, type: participant.type }));
  if (!customerSide.length) {
    // This sandbox does not add the customer side to the channel on create; Flex does, so add it the API's way.
    for (const recipient of recipients) {
      const added = await participantsApi.create({
        type: recipient.type,
        mediaProperties: recipient.identity ? { identity: recipient.identity } : { address: recipient.address, proxy_address: recipient.proxy },
      });
      customerSide.push({ sid: added.sid, type: added.type });
    }
  }
  const worker = await acceptPending(client, chat.workspaceSid, taskSid);
  const participants = await participantsApi.list();
  const agent = participants.find((participant) => participant.type === 'agent');
  return {
    interactionSid: interaction.sid, channelSid: channelResource.sid, conversationSid: conversation.sid, taskSid, worker,
    agentParticipantSid: agent.sid, customerParticipantSid: (customerSide.find((participant) => participant.type === 'customer') || {}).sid,
    recipients: customerSide, taskChannel: kind.taskChannel, channelType: kind.channelType, channelKind: kind.type,
  };
}

/**
 * The seeded chat, a Chat Transfer workflow over it (Everyone, and the seeded queues named in `targets` as the
 * transfer targets) reading the attributes under `names`, and the Functions variables that name the two.
 */
async function chatWithTransferWorkflow(sandbox, client, { targets = ['Sales'], names = DEFAULT_ATTRIBUTE_NAMES } = {}) {
  const chat = await seededChat(sandbox);
  const queues = Object.fromEntries(targets.map((name) => [name, chat.queue(name)]));
  const workflowSid = await createChatTransferWorkflow(client, chat, chat.queue('Everyone'), queues, names);
  const variables = { TWILIO_FLEX_WORKSPACE_SID: chat.workspaceSid, TWILIO_FLEX_CHAT_TRANSFER_WORKFLOW_SID: workflowSid };
  return { chat, workflowSid, variables };
}

module.exports = {
  chatWithTransferWorkflow,
  INVITE, REMOVE, UPDATE_ATTRIBUTES, DEFAULT_ATTRIBUTE_NAMES, CHANNELS, seededChat, createChatTransferWorkflow, inviteForm, removeForm, acceptPending, openChat,
};
