'use strict';
// POST /features/conversation-transfer/flex/invite-participant (called by the Flex plugin).
// Creates an Interactions invite that routes a new task through the Chat Transfer workflow, then either
// closes the transferring agent (cold) or records the pending invite in the conversation (warm).
// Checks come first and writes last, so a refused request changes nothing.

const fns = Runtime.getFunctions();
const { withFlexToken } = require(fns['common/helpers/flex-token'].path);
const { environment, ParameterError, problem } = require(fns['common/helpers/parameters'].path);
const { success } = require(fns['common/helpers/responses'].path);
const { withRetry, orNotFound } = require(fns['common/helpers/twilio-retry'].path);
const { parseInviteRequest, transferAttributes, inviteEntry } = require(fns['features/conversation-transfer/helpers/transfer-request'].path);
const { recordInvite } = require(fns['features/conversation-transfer/helpers/invite-tracker'].path);

const noChannel = (request) => () => new ParameterError(problem('flexInteractionChannelSid',
  `no channel ${request.channelSid} on interaction ${request.interactionSid}`, 'send the chat task\'s flexInteractionSid and flexInteractionChannelSid'));

async function checkBeforeInvite(client, request) {
  const channel = client.flexApi.v1.interaction(request.interactionSid).channels(request.channelSid);
  const found = await orNotFound(() => withRetry(() => channel.fetch()), noChannel(request));
  if (['closed', 'inactive'].includes(found.status)) {
    throw new ParameterError(problem('flexInteractionChannelSid', `channel ${request.channelSid} is ${found.status}; an invite needs an active chat`,
      'transfer from a chat that is still active'));
  }
  if (request.cold) {
    const participants = await withRetry(() => channel.participants.list({ pageSize: 100 }));
    if (!participants.some((participant) => participant.sid === request.removeParticipant)) {
      throw new ParameterError(problem('removeFlexInteractionParticipantSid',
        `${request.removeParticipant} is not a participant of channel ${request.channelSid}`,
        "send the transferring agent's UT… participant SID of this channel, or '' for a warm transfer"));
    }
  } else {
    await orNotFound(() => withRetry(() => client.conversations.v1.conversations(request.conversationSid).fetch()),
      () => new ParameterError(problem('conversationSid', `no conversation ${request.conversationSid}`,
        "send the chat's conversation SID (CH…)")));
  }
}

exports.handler = withFlexToken(async (context, event) => {
  const env = environment(context, ['TWILIO_FLEX_WORKSPACE_SID', 'TWILIO_FLEX_CHAT_TRANSFER_WORKFLOW_SID']);
  const request = parseInviteRequest(event);
  const client = context.getTwilioClient();
  await checkBeforeInvite(client, request); // fail before the invite when a later step could not succeed

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

  try {
    if (request.cold) {
      await withRetry(() => client.flexApi.v1.interaction(request.interactionSid).channels(request.channelSid)
        .participants(request.removeParticipant).update({ status: 'closed' }));
    } else {
      await recordInvite(client, request.conversationSid, invitesTaskSid, inviteEntry(request, invitesTaskSid), {
        stillPending: async () => {
          const task = await client.taskrouter.v1.workspaces(env.TWILIO_FLEX_WORKSPACE_SID).tasks(invitesTaskSid).fetch()
            .catch(() => null);
          return !task || ['pending', 'reserved'].includes(task.assignmentStatus);
        },
      });
    }
  } catch (error) {
    error.partial = created; // the invite exists: say so, so the caller can see what was done
    throw error;
  }
  return success({ message: `Participant invite ${invite.sid}`, ...created });
});
