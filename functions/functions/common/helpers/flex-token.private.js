'use strict';
// Every function needs a form POST (form-post: 405 for anything else, 400 for fields in the URL) and a valid
// Flex user token in its form field `Token`: twilio-flex-token-validator asks Twilio's IAM service; a missing,
// expired or forged token is a 403 saying why and what to send instead. Behind it, a Refusal (bad input 400,
// not allowed 403, a lost race 409) is answered with its one line, a Misconfiguration (an environment variable
// set wrong) with a 500 and its one line, and any other failure is 500, so a function body only throws.

const { validator } = require('twilio-flex-token-validator');
const { Refusal, Misconfiguration } = require(Runtime.getFunctions()['common/helpers/parameters'].path);
const { jsonResponse } = require(Runtime.getFunctions()['common/helpers/responses'].path);
const { formPostRefusal } = require(Runtime.getFunctions()['common/helpers/form-post'].path);

const TOKEN_MAX = 16384; // characters; a Flex token is a few KB, nothing longer is sent on to Twilio

const TOKEN_FIX = "(fix: send the signed-in agent's Flex token in the form field Token; sign in to Flex again if it expired)";

function twilioMessage(error) {
  const status = error && error.status ? ` (Twilio ${error.status}${error.code ? `/${error.code}` : ''})` : '';
  return `${error && error.message ? error.message : String(error)}${status}`;
}

/**
 * The answer to a failure thrown by a function body, as {status, body} (the JSON the caller gets): a Refusal
 * (bad input 400, not allowed 403, lost race 409) with its one line, a Misconfiguration (an environment
 * variable set wrong) 500 with its one line, anything else 500 with what Twilio said and what was already done
 * (`error.partial`). `passTwilioStatus`: a failed Twilio call answers with Twilio's own status instead of 500.
 * Logs what the operator needs to see.
 */
function errorAnswer(context, error, { passTwilioStatus = false } = {}) {
  if (error instanceof Refusal) return { status: error.status, body: { data: null, message: error.message } };
  if (error instanceof Misconfiguration) {
    console.error(`${context.PATH}: ${error.message}`); // the operator reads the Functions log
    return { status: 500, body: { success: false, message: error.message } };
  }
  console.error(`${context.PATH}: ${twilioMessage(error)}`);
  const details = { ...(error && error.partial ? error.partial : {}) };
  if (error && error.code) Object.assign(details, { twilioErrorCode: error.code, twilioDocPage: error.moreInfo });
  const status = passTwilioStatus && error && Number(error.status) >= 400 ? Number(error.status) : 500;
  return { status, body: { success: false, message: twilioMessage(error), ...details } };
}

/**
 * A function body behind the transport and token checks: a request that is not a form POST (405) or carries
 * fields in its URL (400) is refused before the token is looked at, so a token sent in a URL is never used;
 * then the token (403). The body returns a Twilio.Response or throws (see errorAnswer).
 */
function withFlexToken(handler, options = {}) {
  return async (context, event, callback) => {
    const transport = formPostRefusal(event);
    if (transport) {
      const response = jsonResponse(transport.status, { data: null, message: transport.message });
      for (const [name, value] of Object.entries(transport.headers)) response.appendHeader(name, value);
      callback(null, response);
      return;
    }
    try {
      event.TokenResult = await checkToken(context, event);
    } catch (reason) {
      callback(null, tokenRefused(reason));
      return;
    }
    try {
      callback(null, await handler(context, event));
    } catch (error) {
      const answer = errorAnswer(context, error, options);
      callback(null, jsonResponse(answer.status, answer.body));
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
  response.appendHeader('Access-Control-Allow-Methods', 'OPTIONS, POST');
  response.appendHeader('Access-Control-Allow-Headers', 'Content-Type');
  response.appendHeader('Content-Type', 'text/plain');
  response.setStatusCode(403);
  response.setBody(`${String(reason && reason.message ? reason.message : reason).split('\n')[0]} ${TOKEN_FIX}`);
  return response;
}

module.exports = { withFlexToken, errorAnswer, twilioMessage };
