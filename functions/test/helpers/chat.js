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

module.exports = { INVITE, REMOVE, UPDATE_ATTRIBUTES, seededChat, createChatTransferWorkflow, inviteForm };
