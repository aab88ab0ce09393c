'use strict';
// Libraries that call https.request themselves (twilio-flex-token-validator posts to
// https://iam.twilio.com/v1/Accounts/{AC}/Tokens/validate) bypass the twilio client's httpClient.
// While installed, this sends every https.request / https.get / fetch for *.twilio.com to the sandbox
// instead, through rewriteUrl, using http or https according to the sandbox URL. Other hosts are untouched.

const http = require('node:http');
const https = require('node:https');
const { rewriteUrl } = require('./sandbox-url');

let installed = null;

function splitArgs(args) {
  // https.request(url[, options][, callback]) or https.request(options[, callback])
  let url = null;
  let options = {};
  let callback;
  let rest = [...args];
  if (typeof rest[0] === 'string' || rest[0] instanceof URL) url = new URL(String(rest.shift()));
  if (rest[0] && typeof rest[0] === 'object') options = { ...rest.shift() };
  if (typeof rest[0] === 'function') callback = rest.shift();
  return { url, options, callback };
}

function originalUrl(url, options) {
  if (url) {
    const merged = new URL(url);
    if (options.path) {
      const [pathname, search] = String(options.path).split('?');
      merged.pathname = pathname;
      merged.search = search ? `?${search}` : '';
    }
    return merged.href;
  }
  const host = options.hostname || (options.host || 'localhost').replace(/:\d+$/, '');
  const port = options.port && Number(options.port) !== 443 ? `:${options.port}` : '';
  return `https://${host}${port}${options.path || '/'}`;
}

function redirected(original, args) {
  const sandboxUrl = installed;
  const { url, options, callback } = splitArgs(args);
  const from = originalUrl(url, options);
  const to = rewriteUrl(from, sandboxUrl);
  if (to === from) return original(...args);
  const target = new URL(to);
  const headers = { ...(options.headers || {}) };
  for (const name of Object.keys(headers)) if (name.toLowerCase() === 'host') delete headers[name];
  const transport = target.protocol === 'https:' ? https : http;
  const request = target.protocol === 'https:' ? original : http.request;
  const rewritten = {
    ...options,
    protocol: target.protocol,
    hostname: target.hostname,
    host: undefined,
    port: target.port || (target.protocol === 'https:' ? 443 : 80),
    path: `${target.pathname}${target.search}`,
    headers,
    // An https.Agent cannot carry a plain-http request; let the target transport pick its own.
    agent: options.agent && options.agent instanceof transport.Agent ? options.agent : undefined,
  };
  return callback ? request(rewritten, callback) : request(rewritten);
}

/** Route https requests for *.twilio.com to sandboxUrl until uninstall(); returns uninstall. */
function install(sandboxUrl) {
  if (!sandboxUrl) throw new Error('https-redirect.install: sandboxUrl is required');
  if (installed === null) {
    const originalRequest = https.request;
    const originalGet = https.get;
    https.request = function request(...args) {
      return redirected(originalRequest, args);
    };
    https.get = function get(...args) {
      const req = https.request(...args);
      req.end();
      return req;
    };
    const originalFetch = globalThis.fetch;
    if (originalFetch) {
      globalThis.fetch = function fetch(resource, init) {
        if (resource instanceof Request) {
          const to = rewriteUrl(resource.url, installed);
          return originalFetch(to === resource.url ? resource : new Request(to, resource), init);
        }
        return originalFetch(rewriteUrl(String(resource), installed), init);
      };
    }
    install.restore = () => {
      https.request = originalRequest;
      https.get = originalGet;
      if (originalFetch) globalThis.fetch = originalFetch;
      installed = null;
    };
  }
  installed = sandboxUrl;
  return uninstall;
}

function uninstall() {
  if (install.restore) install.restore();
}

module.exports = { install, uninstall };
