'use strict';
// POST /common/flex/conversations/update-attributes (the plugin's invite tracker removes entries with it).
// Writes the attributes as given: a full replace, as the plugin expects. Only a participant of the
// conversation may (functions/README.md "Who may do what").

const fns = Runtime.getFunctions();
const { withFlexToken } = require(fns['common/helpers/flex-token'].path);
const { required, sid, jsonObject, ParameterError, problem } = require(fns['common/helpers/parameters'].path);
const { success } = require(fns['common/helpers/responses'].path);
const { withRetry } = require(fns['common/helpers/twilio-retry'].path);
const { callerOf, memberOfConversation } = require(fns['common/helpers/chat-access'].path);

const ATTRIBUTES_MAX_BYTES = 16384; // Conversations: a conversation's attributes

exports.handler = withFlexToken(async (context, event) => {
  const caller = callerOf(event.TokenResult);
  const conversationSid = sid('conversationSid', required(event, 'conversationSid', 'the conversation (CH…) to update'), ['CH'], 'the conversation to update');
  const text = required(event, 'attributes', "the conversation's complete new attributes as a JSON string", ATTRIBUTES_MAX_BYTES);
  jsonObject('attributes', text, "the conversation's complete new attributes", ATTRIBUTES_MAX_BYTES);
  const size = Buffer.byteLength(text, 'utf8');
  if (size > ATTRIBUTES_MAX_BYTES) {
    throw new ParameterError(problem('attributes', `is ${size} bytes, over the Conversations limit of ${ATTRIBUTES_MAX_BYTES}`,
      'send smaller attributes (drop finished invite entries or large values)'));
  }
  const client = context.getTwilioClient();
  await memberOfConversation(client, conversationSid, caller);
  await withRetry(() => client.conversations.v1.conversations(conversationSid).update({ attributes: text }));
  return success({});
}, { passTwilioStatus: true });
