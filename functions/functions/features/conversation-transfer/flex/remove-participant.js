'use strict';
// POST /features/conversation-transfer/flex/remove-participant (called by the Flex plugin).
// Closes an agent's interaction participant; when no agent is left in the chat and no invite is pending (none
// in the conversation's attributes, none being made from an agent's task right now), closes the interaction
// channel too so the customer's next message starts a new one. "No agent left", not
// the seed's "at most one conversation participant": an email has a participant per recipient, so a count
// would never reach one and the customer's next email would go to a chat nobody is in.
// Who may: an agent in the chat, for their own participant (leave) or another agent's (the participants tab's
// remove); never the customer or any other non-agent participant (functions/README.md "Who may do what").

const fns = Runtime.getFunctions();
const { withFlexToken } = require(fns['common/helpers/flex-token'].path);
const { required, optional, sid, environment, ParameterError, NotAllowed, problem } = require(fns['common/helpers/parameters'].path);
const { success } = require(fns['common/helpers/responses'].path);
const { withRetry } = require(fns['common/helpers/twilio-retry'].path);
const { callerOf, agentInChannel, agentsInChat, checkConversationOfChannel } = require(fns['common/helpers/chat-access'].path);
const { readAttributes, hasNoPendingInvites } = require(fns['features/conversation-transfer/helpers/invite-tracker'].path);
const { inviteInProgress } = require(fns['features/conversation-transfer/helpers/invite-once'].path);

/**
 * True when an invite is being made from a task of one of the chat's agents right now (its claim is written
 * before the invite and its conversation entry after, invite-once): closing the channel then would cancel it.
 */
async function invitesBeingMade(client, workspaceSid, participants) {
  const tasks = client.taskrouter.v1.workspaces(workspaceSid).tasks;
  const taskSids = participants.filter((participant) => participant.type === 'agent' && participant.routingProperties && participant.routingProperties.task_sid)
    .map((participant) => participant.routingProperties.task_sid);
  const found = await Promise.all(taskSids.map((taskSid) => withRetry(() => tasks(taskSid).fetch()).catch(() => null)));
  return found.some((task) => task && inviteInProgress(task));
}

function targetOf(access, participantSid, channelSid) {
  const target = access.participants.find((participant) => participant.sid === participantSid);
  if (!target) {
    throw new ParameterError(problem('flexInteractionParticipantSid', `${participantSid} is not a participant of channel ${channelSid}`,
      'send the UT… SID of an agent participant of this chat'));
  }
  if (target.type !== 'agent') {
    throw new NotAllowed(problem('flexInteractionParticipantSid',
      `${participantSid} is the ${target.type} participant of this chat; remove-participant closes only agent participants, never the customer`,
      'send the UT… SID of an agent in the chat (your own to leave it)'));
  }
  return target;
}

exports.handler = withFlexToken(async (context, event) => {
  const caller = callerOf(event.TokenResult);
  const interactionSid = sid('flexInteractionSid', required(event, 'flexInteractionSid', 'the Flex interaction (KD…) of the chat'), ['KD'], 'the Flex interaction of the chat');
  const channelSid = sid('flexInteractionChannelSid', required(event, 'flexInteractionChannelSid', 'the interaction channel (UO…) the agent leaves'), ['UO'], 'the interaction channel the agent leaves');
  const participantSid = sid('flexInteractionParticipantSid', required(event, 'flexInteractionParticipantSid', 'the interaction participant (UT…) to close'), ['UT'], 'the interaction participant to close');
  const conversationSid = optional(event, 'conversationSid');
  if (conversationSid) sid('conversationSid', conversationSid, ['CH'], 'the conversation of the chat');
  const env = environment(context, ['TWILIO_FLEX_WORKSPACE_SID']);
  const client = context.getTwilioClient();
  const access = await agentInChannel(client, env.TWILIO_FLEX_WORKSPACE_SID, interactionSid, channelSid, caller);
  targetOf(access, participantSid, channelSid);
  checkConversationOfChannel(access, conversationSid, channelSid);
  const channel = client.flexApi.v1.interaction(interactionSid).channels(channelSid);

  await withRetry(() => channel.participants(participantSid).update({ status: 'closed' }));

  let channelClosed = false;
  if (conversationSid) {
    const [participants, attributes] = await Promise.all([
      withRetry(() => channel.participants.list({ pageSize: 100 })), // read again: an invitee may have joined
      readAttributes(client, conversationSid),
    ]);
    const [agentLeft] = await agentsInChat(client, env.TWILIO_FLEX_WORKSPACE_SID, participants, (participant) => participant.sid !== participantSid, 1);
    if (!agentLeft && hasNoPendingInvites(attributes) && !(await invitesBeingMade(client, env.TWILIO_FLEX_WORKSPACE_SID, participants))) {
      await withRetry(() => channel.update({ status: 'closed' }));
      channelClosed = true;
    }
  }
  return success({ channelClosed });
});
