'use strict';
// JSON answers with the CORS headers the Flex plugin's browser calls need (same as the seed's).

function jsonResponse(status, body) {
  const response = new Twilio.Response();
  response.appendHeader('Access-Control-Allow-Origin', '*');
  response.appendHeader('Access-Control-Allow-Methods', 'OPTIONS, POST, GET');
  response.appendHeader('Access-Control-Allow-Headers', 'Content-Type');
  response.appendHeader('Content-Type', 'application/json');
  response.setStatusCode(status);
  response.setBody(body);
  return response;
}

/** 400 for input the caller must fix: `{data: null, message}` like the seed. */
function badRequest(message) {
  return refused(400, message);
}

/** A 4xx refusal (bad input, not allowed) with its one line, shaped like the seed's 400. */
function refused(status, message) {
  return jsonResponse(status, { data: null, message });
}

/** 500 for a failure on the way (a Twilio call that kept failing): `{success: false, message}`. */
function failure(message, extra = {}) {
  return jsonResponse(500, { success: false, message, ...extra });
}

function success(body) {
  return jsonResponse(200, { success: true, ...body });
}

module.exports = { jsonResponse, badRequest, refused, failure, success };
