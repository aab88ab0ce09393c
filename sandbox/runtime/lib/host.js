'use strict';
// Runs one deployed Twilio Function with @twilio/runtime-handler semantics and returns
// {status, headers, body} (docs/SEAMS.md "Deployed Functions run through the Node runtime host").
//
// Module resolution: a build's code resolves packages first from node_modules above its build_dir (if the
// build ships any), then from this host's own node_modules (sandbox/runtime/node_modules), which holds the
// Twilio default dependencies and the packages our builds declare. We add that folder to NODE_PATH rather than
// hooking the resolver, so `require` inside the functions behaves exactly like plain Node.

const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { TwilioResponse } = require('./twilio-response');
const { rewriteUrl } = require('./sandbox-url');
const httpsRedirect = require('./https-redirect');

const HOST_NODE_MODULES = path.resolve(__dirname, '..', 'node_modules');
const VISIBILITY_SUFFIXES = [['.protected', 'protected'], ['.private', 'private'], ['', 'public']];
// Headers a function never sees: the pinned @twilio/runtime-handler's own list (what its constructEvent drops),
// plus Host, which Twilio's "Headers and cookies: Limitations" page adds for deployed Functions.
const { restrictedHeaderExactMatches, restrictedHeaderPrefixes } = require(
  path.join(HOST_NODE_MODULES, '@twilio', 'runtime-handler', 'dist', 'dev-runtime', 'checks', 'restricted-headers'),
);
const RESTRICTED_HEADERS = new Set([...restrictedHeaderExactMatches, 'host']);
// What Twilio's Functions gateway answers itself, before any function runs ("Function Request Flow": only GET,
// POST and OPTIONS are served, PUT and DELETE are not supported, a GET with a body is 403; OPTIONS is the
// CORS preflight the runtime answers, with the pinned runtime-handler's headers).
const SERVED_METHODS = ['GET', 'HEAD', 'POST'];
const PREFLIGHT_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'Accept, Authorization, Content-Type, If-Match, If-Modified-Since, If-None-Match, If-Unmodified-Since, User-Agent',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-expose-headers': 'ETag',
  'access-control-max-age': '86400',
  'access-control-allow-credentials': 'true',
  'content-type': 'text/plain; charset=UTF-8',
};
// Just under Twilio Functions' 10 s limit, so the sandbox (which kills the host at 10 s) gets this answer first.
const DEFAULT_TIMEOUT_MS = 9500;

class InvocationError extends Error {}

function useHostModules() {
  const current = (process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean);
  if (current.includes(HOST_NODE_MODULES)) return;
  process.env.NODE_PATH = [...current, HOST_NODE_MODULES].join(path.delimiter);
  Module._initPaths(); // re-read NODE_PATH (documented Node behaviour: it is read at start-up)
}

function requireFromBuild(buildDir, name) {
  return Module.createRequire(path.join(buildDir, 'package.json'))(name);
}

/** Strip a visibility suffix and extension: "a/b.private.js" -> ["a/b", "private"]. */
function splitVisibility(relativeFile) {
  const ext = path.extname(relativeFile);
  const stem = relativeFile.slice(0, relativeFile.length - ext.length);
  for (const [suffix, visibility] of VISIBILITY_SUFFIXES) {
    if (suffix && stem.endsWith(suffix)) return [stem.slice(0, -suffix.length), visibility, ext];
  }
  return [stem, 'public', ext];
}

function walk(dir, base = dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : walk(full, base);
    return [path.relative(base, full).split(path.sep).join('/')];
  });
}

/** Runtime.getFunctions(): "path/without/leading/slash" -> {path: absolute file}, like Twilio. */
function functionsOf(buildDir) {
  const root = path.join(buildDir, 'functions');
  const result = {};
  for (const file of walk(root)) {
    if (!file.endsWith('.js')) continue;
    const [stem] = splitVisibility(file);
    result[stem] = { path: path.join(root, file) };
  }
  return result;
}

/** Runtime.getAssets(): "/path/with/leading/slash.ext" -> {path, open()}, like Twilio. */
function assetsOf(buildDir) {
  const root = path.join(buildDir, 'assets');
  const result = {};
  for (const file of walk(root)) {
    const [stem, , ext] = splitVisibility(file);
    const full = path.join(root, file);
    result[`/${stem}${ext}`] = { path: full, open: () => fs.readFileSync(full, 'utf8') };
  }
  return result;
}

function functionFile(buildDir, functionPath) {
  const wanted = String(functionPath || '').replace(/^\/+/, '').replace(/\.js$/, '');
  const [stem] = splitVisibility(`${wanted}.js`);
  const found = functionsOf(buildDir)[stem];
  if (!stem || !found) {
    throw new InvocationError(`function_path: no function "${functionPath}" in ${path.join(buildDir, 'functions')} (fix: deploy a build that contains it)`);
  }
  return found.path;
}

function parseCookies(header) {
  const cookies = {};
  for (const part of String(header || '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0) cookies[part.slice(0, at).trim()] = decodeURIComponent(part.slice(at + 1).trim());
  }
  return cookies;
}

function headersOf(input) {
  const headers = {};
  for (const [name, value] of Object.entries(input.headers || {})) {
    const lower = name.toLowerCase();
    if (!RESTRICTED_HEADERS.has(lower) && !restrictedHeaderPrefixes.some((prefix) => lower.startsWith(prefix))) headers[lower] = value;
  }
  return headers;
}

/** As runtime-handler's constructEvent: `request` first, then the query and body fields (which may replace it). */
function eventOf(input) {
  const headers = headersOf(input);
  return { request: { headers, cookies: parseCookies(headers.cookie) }, ...(input.event || {}) };
}

/**
 * The gateway's own answer for a request no function sees (unsupported method, preflight, a GET with a
 * body), or null. No method given: a POST, as before the host was told.
 */
function gatewayAnswer(input) {
  const method = String(input.method || 'POST').toUpperCase();
  if (method === 'OPTIONS') return { status: 204, headers: { ...PREFLIGHT_HEADERS }, body: '' };
  if (!SERVED_METHODS.includes(method)) {
    return {
      status: 405,
      headers: { Allow: 'GET, POST, OPTIONS', 'Content-Type': 'text/plain; charset=utf-8' },
      body: `${method} is not supported by Twilio Functions: they answer GET, POST and OPTIONS`,
    };
  }
  const length = Number(headersOf({ headers: input.headers })['content-length']);
  if (method !== 'POST' && length > 0) {
    return { status: 403, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: `Forbidden: a ${method} request with a body` };
  }
  return null;
}

function sandboxHttpClient(twilio, sandboxUrl) {
  // The twilio client's own transport, with every twilio.com URL rewritten onto the sandbox.
  class SandboxRequestClient extends twilio.RequestClient {
    request(opts) {
      return super.request({ ...opts, uri: rewriteUrl(opts.uri, sandboxUrl) });
    }
  }
  return new SandboxRequestClient();
}

function contextOf(input, twilio) {
  const variables = input.context || {};
  const context = {
    PATH: `/${String(input.function_path || '').replace(/^\/+/, '')}`,
    DOMAIN_NAME: undefined,
    SERVICE_SID: undefined,
    ENVIRONMENT_SID: undefined,
    ...variables,
  };
  context.getTwilioClient = (options = {}) => {
    if (!context.ACCOUNT_SID || !context.AUTH_TOKEN) {
      throw new Error('context.getTwilioClient(): ACCOUNT_SID and AUTH_TOKEN are missing; the Service needs IncludeCredentials=true');
    }
    const httpClient = input.sandbox_url ? sandboxHttpClient(twilio, input.sandbox_url) : undefined;
    return twilio(context.ACCOUNT_SID, context.AUTH_TOKEN, { lazyLoading: true, ...options, httpClient });
  };
  return context;
}

function headerValue(value) {
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}

function withType(headers, type) {
  const has = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  return has ? headers : { ...headers, 'Content-Type': type };
}

function encodeBody(body, headers) {
  if (body === null || body === undefined) return { body: '', headers };
  if (Buffer.isBuffer(body)) return { body: body.toString('utf8'), headers: withType(headers, 'application/octet-stream') };
  if (typeof body === 'string') return { body, headers: withType(headers, 'text/html; charset=utf-8') };
  return { body: JSON.stringify(body), headers: withType(headers, 'application/json; charset=utf-8') };
}

function flatten(headers) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'Set-Cookie') {
      // The seam carries one string per header; several cookies are joined like other repeated headers.
      if (value.length) out[name] = value.map(String).join(', ');
    } else if (value !== undefined && value !== null) {
      out[name] = headerValue(value);
    }
  }
  return out;
}

function isTwiml(twilio, value) {
  const { VoiceResponse, MessagingResponse, FaxResponse } = twilio.twiml || {};
  return [VoiceResponse, MessagingResponse, FaxResponse].some((kind) => kind && value instanceof kind);
}

/** The HTTP answer for callback(err, result), following the runtime-handler's rules. */
function answerOf(twilio, err, result) {
  if (err) {
    if (err instanceof Error) {
      const { body, headers } = encodeBody({ message: err.message, name: err.name }, {});
      return { status: 500, headers, body };
    }
    const { body, headers } = encodeBody(err, {});
    return { status: 500, headers: withType(headers, 'text/plain; charset=utf-8'), body };
  }
  if (typeof result === 'string') {
    return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: result };
  }
  if (result && typeof result === 'object' && isTwiml(twilio, result)) {
    return { status: 200, headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: result.toString() };
  }
  if (result instanceof TwilioResponse) {
    const { body, headers } = encodeBody(result.body, result.headers);
    return { status: result.statusCode, headers: flatten(headers), body };
  }
  const { body, headers } = encodeBody(result, {});
  return { status: 200, headers, body };
}

/**
 * Run input.function_path from input.build_dir once. Resolves to {status, headers, body}; never rejects for
 * errors inside the function (those are 500s, as on Twilio).
 */
async function runFunction(input, { timeoutMs = DEFAULT_TIMEOUT_MS } = {}) {
  if (!input || typeof input !== 'object') throw new InvocationError('stdin: expected one JSON object (fix: see docs/SEAMS.md)');
  if (!input.build_dir) throw new InvocationError('build_dir: missing (fix: pass the build directory)');
  const buildDir = path.resolve(input.build_dir);
  const file = functionFile(buildDir, input.function_path);
  const gateway = gatewayAnswer(input);
  if (gateway) return gateway;
  useHostModules();
  if (input.sandbox_url) httpsRedirect.install(input.sandbox_url);
  const twilio = requireFromBuild(buildDir, 'twilio');
  global.Twilio = Object.assign(Object.create(null), twilio, { Response: TwilioResponse });
  global.Runtime = {
    getFunctions: () => functionsOf(buildDir),
    getAssets: () => assetsOf(buildDir),
  };
  const context = contextOf(input, twilio);
  const event = eventOf(input);

  return new Promise((resolve) => {
    let done = false;
    const finish = (answer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      process.removeListener('unhandledRejection', onCrash);
      process.removeListener('uncaughtException', onCrash);
      resolve(answer);
    };
    const fail = (error) => {
      console.error(error && error.stack ? error.stack : error);
      finish(answerOf(twilio, error instanceof Error ? error : new Error(String(error))));
    };
    const onCrash = (error) => fail(error);
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
    const timer = setTimeout(() => finish({
      status: 504,
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      body: `Function ${context.PATH} did not call callback() within ${timeoutMs} ms`,
    }), timeoutMs);
    const callback = (err, result) => {
      try {
        finish(answerOf(twilio, err, result));
      } catch (error) {
        fail(error);
      }
    };
    try {
      const handler = require(file).handler;
      if (typeof handler !== 'function') throw new Error(`${context.PATH}: the module does not export a handler function`);
      const returned = handler(context, event, callback);
      if (returned && typeof returned.then === 'function') returned.then(undefined, fail);
    } catch (error) {
      fail(error);
    }
  });
}

module.exports = { runFunction, InvocationError, functionsOf, assetsOf, HOST_NODE_MODULES };
