'use strict';
// The invite-participant form, checked and turned into what the invite and the invite entry need.
// Pure: no Twilio calls, so every rule here is one place to read.

const { ParameterError, required, optional, sid, jsonObject, problem } = require(Runtime.getFunctions()['common/helpers/parameters'].path);
const { DEFAULT_NAMES } = require(Runtime.getFunctions()['features/conversation-transfer/helpers/attribute-names'].path);
const { MARKER } = require(Runtime.getFunctions()['features/conversation-transfer/helpers/invite-once'].path);

// The plugin's workersToIgnore key: the plugin always sends its default name, whatever the workflow reads.
const PLUGIN_WORKERS_KEY = DEFAULT_NAMES.workersInConversation;
const TASK_ATTRIBUTES_MAX = 4096; // characters (TaskRouter Task attributes)
const JSON_ATTRIBUTES_MAX = 16384; // characters read from jsonAttributes (the result must still fit 4096)
const WORKERS_TO_IGNORE_MAX = 4096; // characters read from workersToIgnore

/**
 * The skip lists as the workflow reads them: the plugin's workerSidsInConversation goes under the configured
 * name (merged with a list already sent under that name); other keys are copied as sent, like the seed.
 */
function workersToIgnoreOf(event, names) {
  const ignore = jsonObject('workersToIgnore', required(event, 'workersToIgnore',
    'the worker SIDs the Chat Transfer workflow must not offer the transfer to, e.g. {"workerSidsInConversation":["WK…"]}', WORKERS_TO_IGNORE_MAX),
  'the worker SIDs the workflow must skip', WORKERS_TO_IGNORE_MAX);
  for (const [key, value] of Object.entries(ignore)) {
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      throw new ParameterError(problem(`workersToIgnore.${key}`, 'must be a list of worker SID strings',
        `send ${JSON.stringify({ [key]: ['WK…'] })}, or [] for none`));
    }
  }
  const target = names.workersInConversation;
  if (target !== PLUGIN_WORKERS_KEY && PLUGIN_WORKERS_KEY in ignore) {
    ignore[target] = [...new Set([...(ignore[target] || []), ...ignore[PLUGIN_WORKERS_KEY]])];
    delete ignore[PLUGIN_WORKERS_KEY];
  }
  // Always present, even empty: the workflow's `worker.sid NOT IN task.<workers in conversation>` matches
  // nobody when the attribute is missing.
  if (!(target in ignore)) ignore[target] = [];
  return ignore;
}

/**
 * Parse and check the plugin's form. `names`: the task attribute names to write (attribute-names). Throws
 * ParameterError (one line naming the field) on bad input.
 */
function parseInviteRequest(event, names = DEFAULT_NAMES) {
  const taskSid = sid('taskSid', required(event, 'taskSid', 'the task being transferred (WT…)'), ['WT'], 'the task being transferred');
  const conversationId = sid('conversationId', required(event, 'conversationId',
    'the reporting link copied into conversations.conversation_id (CH… or WT…)'), ['CH', 'WT'],
  'the reporting link copied into conversations.conversation_id');
  const original = jsonObject('jsonAttributes', required(event, 'jsonAttributes',
    "the transferred task's attributes as a JSON string, copied onto the new task", JSON_ATTRIBUTES_MAX),
  "the transferred task's attributes", JSON_ATTRIBUTES_MAX);
  const targetSid = required(event, 'transferTargetSid', 'the worker (WK…) or queue (WQ…) to transfer to');
  if (!/^(WK|WQ)/.test(targetSid)) {
    throw new ParameterError(problem('transferTargetSid', `"${targetSid.slice(0, 40)}" has an unknown prefix; it is the worker or queue to transfer to`,
      'send a worker SID (WK…) or a queue SID (WQ…)'));
  }
  sid('transferTargetSid', targetSid, ['WK', 'WQ'], 'the worker or queue to transfer to');
  const targetType = targetSid.startsWith('WK') ? 'worker' : 'queue';
  const queueName = optional(event, 'transferQueueName');
  const workerName = optional(event, 'transferWorkerName');
  if (targetType === 'queue' && !queueName) {
    throw new ParameterError(problem('transferQueueName', 'missing for a queue target; the Chat Transfer workflow routes on it',
      'send the TaskQueue friendly name of transferTargetSid'));
  }
  const workersToIgnore = workersToIgnoreOf(event, names);
  const interactionSid = sid('flexInteractionSid', required(event, 'flexInteractionSid', 'the Flex interaction (KD…) of the chat'), ['KD'], 'the Flex interaction of the chat');
  const channelSid = sid('flexInteractionChannelSid', required(event, 'flexInteractionChannelSid', 'the interaction channel (UO…) the invite is made on'), ['UO'], 'the interaction channel the invite is made on');
  const taskChannel = required(event, 'taskChannelUniqueName', 'the task channel of the new task, e.g. chat');
  const removeParticipant = optional(event, 'removeFlexInteractionParticipantSid');
  if (removeParticipant) sid('removeFlexInteractionParticipantSid', removeParticipant, ['UT'], "the transferring agent's interaction participant (cold transfer)");
  const conversationSid = optional(event, 'conversationSid');
  if (!removeParticipant) {
    // A warm invite is tracked in the conversation's attributes, so the conversation must be known.
    sid('conversationSid', required(event, 'conversationSid', 'the conversation (CH…) whose attributes track warm invites'), ['CH'], 'the conversation whose attributes track warm invites');
  } else if (conversationSid) {
    sid('conversationSid', conversationSid, ['CH'], 'the conversation of the chat');
  }
  const request = {
    taskSid, conversationId, conversationSid, original, targetSid, targetType, queueName, workerName,
    workersToIgnore, interactionSid, channelSid, taskChannel, removeParticipant, cold: Boolean(removeParticipant), names,
  };
  // TaskRouter refuses the invite's task over this size; refuse the form before any write instead.
  const size = JSON.stringify(transferAttributes(request)).length;
  if (size > TASK_ATTRIBUTES_MAX) {
    throw new ParameterError(problem('jsonAttributes', `the new task's attributes would be ${size} characters, over TaskRouter's limit of ${TASK_ATTRIBUTES_MAX}`,
      'send fewer or shorter task attributes'));
  }
  return request;
}

const isPlainObject = (value) => Boolean(value) && typeof value === 'object' && !Array.isArray(value);

/**
 * The new task's attributes: the original ones, the skip lists, the target (under the configured names), and
 * the reporting link. A default name that is renamed is dropped from the copied original: there it can only
 * be a stale value of an earlier transfer, which the workflow no longer reads. So is the original's record of
 * its own invites (invite-once): it belongs to that task, not to the new one.
 */
function transferAttributes(request) {
  const { names } = request;
  const conversations = isPlainObject(request.original.conversations) ? request.original.conversations : {};
  const attributes = { ...request.original };
  delete attributes[MARKER];
  const configured = new Set(Object.values(names));
  for (const name of Object.values(DEFAULT_NAMES)) {
    if (!configured.has(name)) delete attributes[name];
  }
  return {
    ...attributes,
    ...request.workersToIgnore,
    [names.targetSid]: request.targetSid,
    [names.queueName]: request.queueName,
    [names.targetType]: request.targetType,
    conversations: { ...conversations, conversation_id: request.conversationId },
  };
}

/** The conversation-attributes entry the plugin's invite tracker reads. */
function inviteEntry(request, invitesTaskSid, now = Date.now()) {
  return {
    invitesTaskSid,
    targetSid: request.targetSid,
    timestampCreated: new Date(now).toISOString(),
    targetName: request.targetType === 'queue' ? request.queueName : request.workerName,
    inviteTargetType: request.targetType === 'queue' ? 'Queue' : 'Worker',
  };
}

module.exports = { parseInviteRequest, transferAttributes, inviteEntry };
