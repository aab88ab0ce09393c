'use strict';
// JSON answers with the CORS headers the Flex plugin's browser calls need (same as the seed's). Refusals and
// failures are shaped in flex-token's errorAnswer: `{data: null, message}` and `{success: false, message}`.

function jsonResponse(status, body) {
  const response = new Twilio.Response();
  response.appendHeader('Access-Control-Allow-Origin', '*');
  response.appendHeader('Access-Control-Allow-Methods', 'OPTIONS, POST');
  response.appendHeader('Access-Control-Allow-Headers', 'Content-Type');
  response.appendHeader('Content-Type', 'application/json');
  response.setStatusCode(status);
  response.setBody(body);
  return response;
}

function success(body) {
  return jsonResponse(200, { success: true, ...body });
}

module.exports = { jsonResponse, success };
