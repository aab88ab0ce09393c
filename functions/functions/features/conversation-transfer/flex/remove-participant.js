'use strict';
// POST /features/conversation-transfer/flex/remove-participant (called by the Flex plugin).
// Closes the agent's interaction participant; when only the customer is left in the conversation and no
// invite is pending, closes the interaction channel too so the customer's next message starts a new one.

const fns = Runtime.getFunctions();
const { withFlexToken } = require(fns['common/helpers/flex-token'].path);
const { required, optional, sid } = require(fns['common/helpers/parameters'].path);
const { success } = require(fns['common/helpers/responses'].path);
const { withRetry } = require(fns['common/helpers/twilio-retry'].path);
const { readAttributes, hasNoPendingInvites } = require(fns['features/conversation-transfer/helpers/invite-tracker'].path);

exports.handler = withFlexToken(async (context, event) => {
  const interactionSid = sid('flexInteractionSid', required(event, 'flexInteractionSid', 'the Flex interaction (KD…) of the chat'), ['KD'], 'the Flex interaction of the chat');
  const channelSid = sid('flexInteractionChannelSid', required(event, 'flexInteractionChannelSid', 'the interaction channel (UO…) the agent leaves'), ['UO'], 'the interaction channel the agent leaves');
  const participantSid = sid('flexInteractionParticipantSid', required(event, 'flexInteractionParticipantSid', 'the interaction participant (UT…) to close'), ['UT'], 'the interaction participant to close');
  const conversationSid = optional(event, 'conversationSid');
  if (conversationSid) sid('conversationSid', conversationSid, ['CH'], 'the conversation of the chat');
  const client = context.getTwilioClient();
  const channel = client.flexApi.v1.interaction(interactionSid).channels(channelSid);

  await withRetry(() => channel.participants(participantSid).update({ status: 'closed' }));

  let channelClosed = false;
  if (conversationSid) {
    const [participants, attributes] = await Promise.all([
      withRetry(() => client.conversations.v1.conversations(conversationSid).participants.list({ pageSize: 100 })),
      readAttributes(client, conversationSid),
    ]);
    if (participants.length <= 1 && hasNoPendingInvites(attributes)) {
      await withRetry(() => channel.update({ status: 'closed' }));
      channelClosed = true;
    }
  }
  return success({ channelClosed });
});
