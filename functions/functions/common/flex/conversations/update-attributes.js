'use strict';
// POST /common/flex/conversations/update-attributes (the plugin's invite tracker removes entries with it).
// Writes the attributes as given: a full replace, as the plugin expects.

const fns = Runtime.getFunctions();
const { withFlexToken } = require(fns['common/helpers/flex-token'].path);
const { required, sid, jsonObject } = require(fns['common/helpers/parameters'].path);
const { success } = require(fns['common/helpers/responses'].path);
const { withRetry } = require(fns['common/helpers/twilio-retry'].path);

exports.handler = withFlexToken(async (context, event) => {
  const conversationSid = sid('conversationSid', required(event, 'conversationSid', 'the conversation (CH…) to update'), ['CH'], 'the conversation to update');
  const text = required(event, 'attributes', "the conversation's complete new attributes as a JSON string");
  jsonObject('attributes', text, "the conversation's complete new attributes");
  const client = context.getTwilioClient();
  await withRetry(() => client.conversations.v1.conversations(conversationSid).update({ attributes: text }));
  return success({});
}, { passTwilioStatus: true });
