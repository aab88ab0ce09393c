'use strict';
// POST /features/conversation-transfer/flex/invite-participant (called by the Flex plugin).
// Creates an Interactions invite that routes a new task through the Chat Transfer workflow, then either
// closes the transferring agent (cold) or records the pending invite in the conversation (warm).
// Checks come first and writes last, so a refused request changes nothing. Identical invites (a double-click)
// make one invite and get one answer (invite-once).

const fns = Runtime.getFunctions();
const { withFlexToken, errorAnswer } = require(fns['common/helpers/flex-token'].path);
const { environment, ParameterError, NotAllowed, Conflict, problem } = require(fns['common/helpers/parameters'].path);
const { jsonResponse } = require(fns['common/helpers/responses'].path);
const { withRetry, orNotFound } = require(fns['common/helpers/twilio-retry'].path);
const { callerOf, agentInChannel, checkConversationOfChannel, taskAttributes } = require(fns['common/helpers/chat-access'].path);
const { parseInviteRequest, transferAttributes, inviteEntry } = require(fns['features/conversation-transfer/helpers/transfer-request'].path);
const { recordInvite, forgetInvite, parseAttributes } = require(fns['features/conversation-transfer/helpers/invite-tracker'].path);
const { inviteOnce } = require(fns['features/conversation-transfer/helpers/invite-once'].path);
const { attributeNames } = require(fns['features/conversation-transfer/helpers/attribute-names'].path);

function refuseClosed(request) {
  return (channel) => {
    if (['closed', 'inactive'].includes(channel.status)) {
      throw new ParameterError(problem('flexInteractionChannelSid', `channel ${request.channelSid} is ${channel.status}; an invite needs an active chat`,
        'transfer from a chat that is still active'));
    }
  };
}

/** Cold: the participant to close is the caller's own (the transferring agent), not anyone else in the chat. */
function checkColdParticipant(access, request) {
  const target = access.participants.find((participant) => participant.sid === request.removeParticipant);
  if (!target) {
    throw new ParameterError(problem('removeFlexInteractionParticipantSid',
      `${request.removeParticipant} is not a participant of channel ${request.channelSid}`,
      "send the transferring agent's UT… participant SID of this channel, or '' for a warm transfer"));
  }
  const own = target.type === 'agent' && target.routingProperties && target.routingProperties.worker_sid === access.me.routingProperties.worker_sid;
  if (!own) {
    throw new NotAllowed(problem('removeFlexInteractionParticipantSid',
      `${request.removeParticipant} is the ${target.type === 'agent' ? 'participant of another agent' : `${target.type} participant`}; a cold transfer closes only the transferring (signed-in) agent`,
      `send your own participant SID ${access.me.sid}, or '' for a warm transfer`));
  }
}

/**
 * taskSid names a task of this interaction channel (Flex writes the channel into every interaction task), and
 * taskChannelUniqueName is that task's channel: the new task keeps it (chat, sms, email…), so an email stays
 * with agents who take email.
 */
async function checkTask(workspace, request, access) {
  const task = request.taskSid === access.myTask.sid ? access.myTask
    : await orNotFound(() => withRetry(() => workspace.tasks(request.taskSid).fetch()),
      () => new ParameterError(problem('taskSid', `no task ${request.taskSid} in the Flex workspace`, 'send the SID of the chat task being transferred')));
  const attributes = taskAttributes(task);
  if (attributes.flexInteractionSid !== request.interactionSid || attributes.flexInteractionChannelSid !== request.channelSid) {
    // Where it does belong is not said: that would tell the caller about a chat they are not in.
    throw new ParameterError(problem('taskSid', `task ${request.taskSid} is not a task of channel ${request.channelSid} of interaction ${request.interactionSid}`,
      'send the task of the chat being transferred, with that chat\'s flexInteractionSid and flexInteractionChannelSid'));
  }
  if (task.taskChannelUniqueName && task.taskChannelUniqueName !== request.taskChannel) {
    throw new ParameterError(problem('taskChannelUniqueName', `${JSON.stringify(request.taskChannel.slice(0, 64))} is not the task channel of task ${request.taskSid} (that is "${task.taskChannelUniqueName}"); the new task keeps the original's channel`,
      "send the transferred task's taskChannelUniqueName"));
  }
  if (request.conversationSid && attributes.conversationSid && attributes.conversationSid !== request.conversationSid) {
    throw new ParameterError(problem('conversationSid', `${request.conversationSid} is not the conversation of task ${request.taskSid} (that is ${attributes.conversationSid})`,
      "send the transferred task's conversationSid"));
  }
}

/** True when taskSid is a task of the request's interaction channel (a read; no refusal). */
async function taskOfChannel(client, workspaceSid, request) {
  const task = await client.taskrouter.v1.workspaces(workspaceSid).tasks(request.taskSid).fetch().catch(() => null);
  const attributes = task ? taskAttributes(task) : {};
  return attributes.flexInteractionSid === request.interactionSid && attributes.flexInteractionChannelSid === request.channelSid;
}

/** The target exists in the workspace; a queue's SID and transferQueueName name the same queue. */
async function checkTarget(workspace, request) {
  if (request.targetType === 'worker') {
    await orNotFound(() => withRetry(() => workspace.workers(request.targetSid).fetch()),
      () => new ParameterError(problem('transferTargetSid', `no worker ${request.targetSid} in the Flex workspace`, 'send the SID of a worker of the Flex workspace')));
    return;
  }
  const queue = await orNotFound(() => withRetry(() => workspace.taskQueues(request.targetSid).fetch()),
    () => new ParameterError(problem('transferTargetSid', `no queue ${request.targetSid} in the Flex workspace`, 'send the SID of a TaskQueue of the Flex workspace')));
  if (queue.friendlyName !== request.queueName) {
    throw new ParameterError(problem('transferQueueName',
      `${JSON.stringify(request.queueName.slice(0, 64))} is not the name of queue ${request.targetSid} (its name is ${JSON.stringify(queue.friendlyName)}); the Chat Transfer workflow routes on the name`,
      'send the friendly name of the queue transferTargetSid names'));
  }
}

/** Warm: the conversation exists and its attributes can be merged (nested within the JSON depth bound). */
async function checkConversation(client, request) {
  const conversation = await orNotFound(() => withRetry(() => client.conversations.v1.conversations(request.conversationSid).fetch()),
    () => new ParameterError(problem('conversationSid', `no conversation ${request.conversationSid}`, "send the chat's conversation SID (CH…)")));
  try {
    parseAttributes(conversation.attributes, { forMerge: true });
  } catch (error) {
    throw new ParameterError(problem('conversationSid', `the attributes of conversation ${request.conversationSid} cannot be merged: ${error.message.replace(/ \(fix: .*$/, '')}`,
      'repair the conversation attributes (update-attributes) before a warm transfer'));
  }
}

/**
 * Every check that needs Twilio; all reads, so a refused request writes nothing. The independent ones run at
 * once, and the first refusal in this fixed order is the answer (the same input always gets the same line).
 */
async function checkBeforeInvite(client, workspaceSid, request, caller) {
  const access = await agentInChannel(client, workspaceSid, request.interactionSid, request.channelSid, caller, refuseClosed(request));
  checkConversationOfChannel(access, request.conversationSid, request.channelSid);
  if (request.cold) checkColdParticipant(access, request);
  const workspace = client.taskrouter.v1.workspaces(workspaceSid);
  const results = await Promise.allSettled([
    checkTask(workspace, request, access),
    checkTarget(workspace, request),
    request.cold ? null : checkConversation(client, request),
  ]);
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Make the invite, then close the transferring agent (cold) or record the invite in the conversation (warm).
 * Resolves to the answer {status, body}; a failure is an answer too (errorAnswer), so identical calls can be
 * given the same one.
 */
async function transfer(context, client, env, request) {
  try {
    return { status: 200, body: await inviteAndFollowUp(client, env, request) };
  } catch (error) {
    return errorAnswer(context, error);
  }
}

async function inviteAndFollowUp(client, env, request) {
  const invite = await withRetry(() => client.flexApi.v1.interaction(request.interactionSid)
    .channels(request.channelSid).invites.create({
      routing: {
        properties: {
          task_channel_unique_name: request.taskChannel,
          workspace_sid: env.TWILIO_FLEX_WORKSPACE_SID,
          workflow_sid: env.TWILIO_FLEX_CHAT_TRANSFER_WORKFLOW_SID,
          attributes: transferAttributes(request),
        },
      },
    }));
  const invitesTaskSid = invite.routing && invite.routing.properties ? invite.routing.properties.sid : undefined;
  const created = { participantInviteSid: invite.sid, invitesTaskSid };
  if (!/^WT/.test(invitesTaskSid || '')) {
    throw Object.assign(new Error(`invite ${invite.sid} was created but Twilio's answer names no task (routing.properties.sid)`), { partial: created });
  }
  const tasks = client.taskrouter.v1.workspaces(env.TWILIO_FLEX_WORKSPACE_SID).tasks;

  try {
    if (request.cold) {
      await withRetry(() => client.flexApi.v1.interaction(request.interactionSid).channels(request.channelSid)
        .participants(request.removeParticipant).update({ status: 'closed' }));
    } else {
      await recordInvite(client, request.conversationSid, invitesTaskSid, inviteEntry(request, invitesTaskSid), {
        stillPending: async () => {
          const task = await tasks(invitesTaskSid).fetch().catch(() => null);
          return !task || ['pending', 'reserved'].includes(task.assignmentStatus);
        },
      });
    }
    // A remove-participant that read no pending invite before the entry was written closes the channel, and
    // closing it cancels the invite's task. Then the transfer is gone: say so (409) instead of 200, and take
    // the entry back out, so an answer of 200 always means an invite recorded and still alive when answered.
    const settled = await withRetry(() => tasks(invitesTaskSid).fetch());
    if (settled.assignmentStatus === 'canceled') {
      if (!request.cold) {
        await forgetInvite(client, request.conversationSid, invitesTaskSid)
          .catch((error) => console.error(`invites.${invitesTaskSid}: not taken out of conversation ${request.conversationSid}: ${error.message}`));
      }
      throw new Conflict(problem('flexInteractionChannelSid',
        `the chat was closed while the invite was being made: its transfer task ${invitesTaskSid} was canceled (${settled.reason || 'no reason given'}), so no transfer is pending`,
        'start the transfer again from a chat that is still active'));
    }
  } catch (error) {
    if (!(error instanceof Conflict)) error.partial = created; // the invite exists: say so, so the caller can see what was done
    throw error;
  }
  return { success: true, message: `Participant invite ${invite.sid}`, ...created };
}

exports.handler = withFlexToken(async (context, event) => {
  const env = environment(context, ['TWILIO_FLEX_WORKSPACE_SID', 'TWILIO_FLEX_CHAT_TRANSFER_WORKFLOW_SID']);
  const names = attributeNames(context); // the names the workflow reads; a bad one is a 500 before any write
  const caller = callerOf(event.TokenResult);
  const request = parseInviteRequest(event, names);
  const client = context.getTwilioClient();
  const workspaceSid = env.TWILIO_FLEX_WORKSPACE_SID;
  try {
    await checkBeforeInvite(client, workspaceSid, request, caller); // refuse before the invite
  } catch (error) {
    // A copy of a cold transfer that arrives after the first one took the agent out of the chat: the first
    // one's answer, when this same agent made it and it is still waiting (invite-once), else the refusal.
    if (error instanceof NotAllowed && request.cold && (await taskOfChannel(client, workspaceSid, request))) {
      const earlier = await inviteOnce({ client, workspaceSid, request, caller, mayClaim: false });
      if (earlier) return jsonResponse(earlier.status, earlier.body);
    }
    throw error;
  }
  const answer = await inviteOnce({ client, workspaceSid, request, caller, transfer: () => transfer(context, client, env, request) });
  return jsonResponse(answer.status, answer.body);
});
