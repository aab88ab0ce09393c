'use strict';
// Every function needs a valid Flex user token in the form field `Token`: twilio-flex-token-validator asks
// Twilio's IAM service; a missing, expired or forged token is a 403 saying why and what to send instead.
// Behind it, a Refusal (bad input 400, not allowed 403) is answered with its one line, a Misconfiguration
// (an environment variable set wrong) with a 500 and its one line, and any other failure is 500, so a
// function body only throws.

const { validator } = require('twilio-flex-token-validator');
const { Refusal, Misconfiguration } = require(Runtime.getFunctions()['common/helpers/parameters'].path);
const { refused, failure } = require(Runtime.getFunctions()['common/helpers/responses'].path);

const TOKEN_MAX = 16384; // characters; a Flex token is a few KB, nothing longer is sent on to Twilio

const TOKEN_FIX = "(fix: send the signed-in agent's Flex token in the form field Token; sign in to Flex again if it expired)";

function twilioMessage(error) {
  const status = error && error.status ? ` (Twilio ${error.status}${error.code ? `/${error.code}` : ''})` : '';
  return `${error && error.message ? error.message : String(error)}${status}`;
}

/**
 * `passTwilioStatus`: answer a failed Twilio call with Twilio's own status (update-attributes does, like the
 * seed); otherwise failures are 500.
 */
function withFlexToken(handler, { passTwilioStatus = false } = {}) {
  return async (context, event, callback) => {
    try {
      event.TokenResult = await checkToken(context, event);
    } catch (reason) {
      callback(null, tokenRefused(reason));
      return;
    }
    try {
      callback(null, await handler(context, event));
    } catch (error) {
      if (error instanceof Refusal) {
        callback(null, refused(error.status, error.message));
        return;
      }
      if (error instanceof Misconfiguration) {
        console.error(`${context.PATH}: ${error.message}`); // the operator reads the Functions log
        callback(null, failure(error.message));
        return;
      }
      console.error(`${context.PATH}: ${twilioMessage(error)}`);
      const details = { ...(error && error.partial ? error.partial : {}) };
      if (error && error.code) Object.assign(details, { twilioErrorCode: error.code, twilioDocPage: error.moreInfo });
      const response = failure(twilioMessage(error), details);
      if (passTwilioStatus && error && Number(error.status) >= 400) response.setStatusCode(Number(error.status));
      callback(null, response);
    }
  };
}

/** The validator library's own checks (functionValidator's credential choice), without its bare 403 text. */
async function checkToken(context, event) {
  const token = event.Token;
  if (token !== undefined && token !== null && (typeof token !== 'string' || token.length > TOKEN_MAX)) {
    throw new Error(`Token: invalid, sent more than once, not text or over ${TOKEN_MAX} characters; it is not a Flex token`);
  }
  const region = context.TWILIO_REGION ? context.TWILIO_REGION.split('-')[0] : '';
  if (context.AUTH_TOKEN) return validator(event.Token, context.ACCOUNT_SID, context.AUTH_TOKEN, region);
  return validator(event.Token, context.ACCOUNT_SID, undefined, region, { Sid: context.API_KEY, Secret: context.API_SECRET });
}

/** 403 like the library's, plus what to do about it: one line. */
function tokenRefused(reason) {
  const response = new Twilio.Response();
  response.appendHeader('Access-Control-Allow-Origin', '*');
  response.appendHeader('Access-Control-Allow-Methods', 'OPTIONS, POST, GET');
  response.appendHeader('Access-Control-Allow-Headers', 'Content-Type');
  response.appendHeader('Content-Type', 'text/plain');
  response.setStatusCode(403);
  response.setBody(`${String(reason && reason.message ? reason.message : reason).split('\n')[0]} ${TOKEN_FIX}`);
  return response;
}

module.exports = { withFlexToken, twilioMessage };
