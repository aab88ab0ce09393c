'use strict';
// Authorization: a function acts for the signed-in agent only on a chat that agent is in (functions/README.md
// "Who may do what"). The Flex token says who calls (worker SID, identity); Twilio says who is in the chat:
//   - an interaction channel: an `agent` participant whose routing_properties.worker_sid is the caller's and
//     whose task is still `assigned` (closing a participant wraps its task up, so an agent who left is out);
//   - a conversation: a participant whose identity is the caller's.
// Roles grant nothing extra: the plugin's three calls all start from the agent's own chat task.
// Only reads here; every refusal is thrown before the function's first write.

const fns = Runtime.getFunctions();
const { ParameterError, NotAllowed, problem } = require(fns['common/helpers/parameters'].path);
const { withRetry, orNotFound } = require(fns['common/helpers/twilio-retry'].path);

const PAGE = 100;

/** Who calls, from the validated token (`event.TokenResult`). */
function callerOf(tokenResult) {
  const result = tokenResult || {};
  if (!result.worker_sid) {
    throw new NotAllowed(problem('Token', 'the signed-in Flex user has no TaskRouter worker; only an agent in the chat may call this',
      'sign in to Flex as an agent (a user with a worker)'));
  }
  return { workerSid: result.worker_sid, identity: result.identity || '', roles: result.roles || [] };
}

function taskAttributes(task) {
  try {
    const parsed = JSON.parse(task.attributes || '{}');
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

/**
 * The caller's place in interaction channel `channelSid`: resolves to {channel, participants, me, myTask,
 * conversationSid} or throws NotAllowed naming flexInteractionChannelSid. `beforeMembership(channel)` runs
 * once the channel is known (e.g. to refuse a closed one with its own message).
 */
async function agentInChannel(client, workspaceSid, interactionSid, channelSid, caller, beforeMembership) {
  const channelApi = client.flexApi.v1.interaction(interactionSid).channels(channelSid);
  const channel = await orNotFound(() => withRetry(() => channelApi.fetch()), () => new ParameterError(problem('flexInteractionChannelSid',
    `no channel ${channelSid} on interaction ${interactionSid}`, "send the chat task's flexInteractionSid and flexInteractionChannelSid")));
  if (beforeMembership) beforeMembership(channel);
  const participants = await withRetry(() => channelApi.participants.list({ pageSize: PAGE }));
  const [mine] = await agentsInChat(client, workspaceSid, participants, (participant) => participant.routingProperties.worker_sid === caller.workerSid, 1);
  if (mine) {
    return { channel, participants, me: mine.participant, myTask: mine.task, conversationSid: taskAttributes(mine.task).conversationSid || null };
  }
  throw new NotAllowed(problem('flexInteractionChannelSid',
    `the signed-in agent (worker ${caller.workerSid}) is not an agent in channel ${channelSid} of interaction ${interactionSid}, or has left it; `
    + 'these functions act only on chats the agent is in',
  'call it from a chat you have accepted and not left, with that chat task\'s SIDs'));
}

/**
 * The channel participants that are agents in the chat: type `agent` (never a customer or, as with email's
 * other recipients, an external participant) with a task still `assigned`. `which(participant)` narrows the
 * agents looked at; `limit` stops after that many. Resolves to [{participant, task}].
 */
async function agentsInChat(client, workspaceSid, participants, which = () => true, limit = Infinity) {
  const tasks = client.taskrouter.v1.workspaces(workspaceSid).tasks;
  const found = [];
  for (const participant of participants) {
    if (participant.type !== 'agent' || !participant.routingProperties || !which(participant)) continue;
    const taskSid = participant.routingProperties.task_sid;
    const task = taskSid ? await withRetry(() => tasks(taskSid).fetch()).catch((error) => {
      if (Number(error && error.status) === 404) return null;
      throw error;
    }) : null;
    if (task && task.assignmentStatus === 'assigned') found.push({ participant, task });
    if (found.length >= limit) break;
  }
  return found;
}

/** Refuse a conversationSid that is not the conversation of the caller's chat channel. */
function checkConversationOfChannel(access, conversationSid, channelSid) {
  if (!conversationSid) return;
  if (!access.conversationSid) {
    throw new ParameterError(problem('conversationSid', `the tasks of channel ${channelSid} name no conversation, so ${conversationSid} cannot be confirmed as its conversation`,
      'send the request without conversationSid, or from a Flex Conversations chat'));
  }
  if (access.conversationSid !== conversationSid) {
    throw new ParameterError(problem('conversationSid', `${conversationSid} is not the conversation of channel ${channelSid} (that is ${access.conversationSid})`,
      "send the conversation SID of the chat the request is about (the task's conversationSid)"));
  }
}

/** Resolves when the caller is a participant of conversation `conversationSid`; else NotAllowed. */
async function memberOfConversation(client, conversationSid, caller) {
  const members = await withRetry(() => client.conversations.v1.conversations(conversationSid).participants.list({ pageSize: PAGE }));
  if (!caller.identity || !members.some((member) => member.identity === caller.identity)) {
    throw new NotAllowed(problem('conversationSid',
      `the signed-in agent (${caller.identity || caller.workerSid}) is not a participant of conversation ${conversationSid}; `
      + "only an agent in the chat may change its attributes", 'call it from a chat you are in, with its conversation SID'));
  }
  return members;
}

module.exports = { callerOf, agentInChannel, agentsInChat, checkConversationOfChannel, memberOfConversation, taskAttributes };
