// Bench-only Node preload (`node --require ./redirect-twilio.cjs`): sends the peer's
// `https://<product>.twilio.com/<path>` requests to `$TWILIO_SANDBOX_URL/<product>/<path>`, the same mapping
// as infra/client.py's rewrite_url. Nothing in the product uses this; it only lets the unmodified
// @twilio-labs/serverless-api talk to the local sandbox. Any other host is left alone.
'use strict';

const http = require('http');
const https = require('https');

const sandbox = process.env.TWILIO_SANDBOX_URL;
if (!sandbox) {
  throw new Error('TWILIO_SANDBOX_URL: not set (fix: run the peer through bench/, which starts the sandbox)');
}
const target = new URL(sandbox);
const base = target.pathname.replace(/\/$/, '');
const TWILIO_HOST = /^([a-z-]+)(?:\.[a-z0-9-]+)*\.twilio\.com$/;

function requestUrl(input, options) {
  if (typeof input === 'string') return new URL(input);
  if (input instanceof URL) return input;
  const opts = input || options || {};
  const host = opts.hostname || (opts.host || '').split(':')[0];
  return new URL(`https://${host}${opts.path || '/'}`);
}

function wrap(original) {
  return function redirected(input, options, callback) {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    const url = requestUrl(input, options);
    const match = TWILIO_HOST.exec(url.hostname);
    if (!match) return original.call(https, input, options, callback);
    const rewritten = new URL(`${base}/${match[1]}${url.pathname}${url.search}`, target);
    // got carries Basic credentials in the URL; Node turns them into the Authorization header.
    rewritten.username = url.username;
    rewritten.password = url.password;
    const merged = {
      ...(input instanceof URL || typeof input === 'string' ? {} : input),
      ...(options || {}),
      protocol: rewritten.protocol,
      hostname: rewritten.hostname,
      host: rewritten.hostname,
      port: rewritten.port,
      path: `${rewritten.pathname}${rewritten.search}`,
      agent: undefined,
    };
    delete merged.servername;
    const send = target.protocol === 'https:' ? original : http.request;
    return send.call(null, rewritten, merged, callback);
  };
}

const originalRequest = https.request;
https.request = wrap(originalRequest);
https.get = function get(input, options, callback) {
  const request = https.request(input, options, callback);
  request.end();
  return request;
};
