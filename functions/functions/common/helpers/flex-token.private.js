'use strict';
// Every function needs a valid Flex user token in the form field `Token`: twilio-flex-token-validator asks
// Twilio's IAM service and answers 403 itself when the token is missing, expired or forged. Behind it, bad
// input becomes 400 and any other failure 500, so a function body only throws.

const { functionValidator } = require('twilio-flex-token-validator');
const { ParameterError } = require(Runtime.getFunctions()['common/helpers/parameters'].path);
const { badRequest, failure } = require(Runtime.getFunctions()['common/helpers/responses'].path);

function twilioMessage(error) {
  const status = error && error.status ? ` (Twilio ${error.status}${error.code ? `/${error.code}` : ''})` : '';
  return `${error && error.message ? error.message : String(error)}${status}`;
}

/**
 * `passTwilioStatus`: answer a failed Twilio call with Twilio's own status (update-attributes does, like the
 * seed); otherwise failures are 500.
 */
function withFlexToken(handler, { passTwilioStatus = false } = {}) {
  return functionValidator(async (context, event, callback) => {
    try {
      callback(null, await handler(context, event));
    } catch (error) {
      if (error instanceof ParameterError) {
        callback(null, badRequest(error.message));
        return;
      }
      console.error(`${context.PATH}: ${twilioMessage(error)}`);
      const details = { ...(error && error.partial ? error.partial : {}) };
      if (error && error.code) Object.assign(details, { twilioErrorCode: error.code, twilioDocPage: error.moreInfo });
      const response = failure(twilioMessage(error), details);
      if (passTwilioStatus && error && Number(error.status) >= 400) response.setStatusCode(Number(error.status));
      callback(null, response);
    }
  });
}

module.exports = { withFlexToken, twilioMessage };
