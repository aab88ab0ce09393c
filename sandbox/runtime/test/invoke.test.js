'use strict';
// The runtime host run as the sandbox runs it: `node invoke.js`, JSON in, JSON out. A local fake HTTP server
// (this test only) stands in for the sandbox to prove where twilio.com requests end up.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const INVOKE = path.resolve(__dirname, '..', 'invoke.js');
const ACCOUNT_SID = `AC${'1'.repeat(32)}`;
const AUTH_TOKEN = 'not-a-real-token-123';

let buildDir;
let fake;
let fakeUrl;
const seen = [];

function write(relative, text) {
  const file = path.join(buildDir, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

before(async () => {
  buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-host-'));
  write('functions/echo.js', `exports.handler = (context, event, callback) => callback(null, {
    path: context.PATH, domain: context.DOMAIN_NAME, greeting: context.GREETING, event });`);
  write('functions/text.protected.js', `exports.handler = (c, e, cb) => { console.log('noise on stdout'); cb(null, 'plain words'); };`);
  write('functions/custom.js', `exports.handler = (c, e, cb) => {
    const r = new Twilio.Response();
    r.setStatusCode(418); r.appendHeader('X-Multi', 'a'); r.appendHeader('X-Multi', 'b');
    r.appendHeader('Content-Type', 'application/json'); r.setBody({ teapot: true });
    if (e.cookies) { r.setCookie('a', '1', ['Path=/']); r.setCookie('b', '2'); r.removeCookie('b'); }
    cb(null, r); };`);
  write('functions/fails.js', `exports.handler = (c, e, cb) => cb(new Error('went wrong'));`);
  write('functions/throws.js', `exports.handler = () => { throw new TypeError('thrown'); };`);
  write('functions/rejects.js', `exports.handler = async () => { throw new Error('async failure'); };`);
  write('functions/never.js', `exports.handler = () => {};`);
  write('functions/uses-helper.js', `exports.handler = (c, e, cb) => {
    const helper = require(Runtime.getFunctions()['lib/helper'].path);
    cb(null, { doubled: helper.double(21), asset: Runtime.getAssets()['/greeting.txt'].open(),
      functions: Object.keys(Runtime.getFunctions()).sort() }); };`);
  write('functions/lib/helper.private.js', `exports.double = (n) => n * 2;`);
  write('assets/greeting.private.txt', 'hello asset');
  write('functions/client.js', `exports.handler = async (context, event, callback) => {
    const client = context.getTwilioClient();
    try {
      const conversation = await client.conversations.v1.conversations('CH${'a'.repeat(32)}').fetch();
      callback(null, { sid: conversation.sid, attributes: conversation.attributes });
    } catch (error) { callback(null, { failed: error.message, status: error.status }); } };`);
  write('functions/raw-calls.js', `const https = require('node:https');
    exports.handler = async (context, event, callback) => {
      const viaFetch = await (await fetch('https://conversations.twilio.com/v1/Conversations/CH${'b'.repeat(32)}')).json();
      const viaGet = await new Promise((resolve, reject) => https.get('https://conversations.us1.twilio.com/v1/Conversations/CH${'c'.repeat(32)}', (res) => {
        let data = ''; res.on('data', (d) => { data += d; }); res.on('end', () => resolve(JSON.parse(data)));
      }).on('error', reject));
      callback(null, { viaFetch: viaFetch.sid, viaGet: viaGet.sid });
    };`);
  write('functions/validated.js', `const { functionValidator } = require('twilio-flex-token-validator');
    exports.handler = functionValidator((context, event, callback) => callback(null, { identity: event.TokenResult.identity }));`);

  fake = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization, body });
      res.setHeader('Content-Type', 'application/json');
      if (req.url.startsWith('/conversations/v1/Conversations/')) {
        res.end(JSON.stringify({ sid: req.url.split('/').pop(), attributes: '{"k":1}' }));
      } else if (req.url === `/iam/v1/Accounts/${ACCOUNT_SID}/Tokens/validate`) {
        const valid = JSON.parse(body).token === 'good-token';
        res.end(JSON.stringify(valid ? { valid: true, identity: 'agent-a' } : { valid: false, message: 'Invalid token' }));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ code: 20404, message: 'not found', status: 404 }));
      }
    });
  });
  await new Promise((resolve) => fake.listen(0, '127.0.0.1', resolve));
  fakeUrl = `http://127.0.0.1:${fake.address().port}`;
});

after(() => {
  fake.close();
  fs.rmSync(buildDir, { recursive: true, force: true });
});

function invoke(functionPath, extra = {}, env = {}) {
  const input = extra.raw !== undefined ? extra.raw : {
    build_dir: buildDir,
    function_path: functionPath,
    context: { ACCOUNT_SID, AUTH_TOKEN, DOMAIN_NAME: 'svc-1234-dev.twil.io', PATH: functionPath, GREETING: 'hi' },
    event: {},
    headers: {},
    method: 'POST',
    sandbox_url: fakeUrl,
    ...extra,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [INVOKE], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        const lines = stdout.trim().split('\n');
        assert.equal(lines.length, 1, `stdout must be exactly one JSON line, got: ${stdout}`);
        resolve({ code, answer: JSON.parse(lines[0]), stderr });
      } catch (error) {
        reject(error);
      }
    });
    child.stdin.end(typeof input === 'string' ? input : JSON.stringify(input));
  });
}

test('callback(null, object) answers 200 JSON with context variables and the event', async () => {
  const { code, answer } = await invoke('/echo', {
    event: { Token: 'x', taskSid: 'WT1' },
    headers: { 'User-Agent': 'flex', Cookie: 'a=1; b=two', Connection: 'keep-alive' },
  });
  assert.equal(code, 0);
  assert.equal(answer.status, 200);
  assert.match(answer.headers['Content-Type'], /^application\/json/);
  const body = JSON.parse(answer.body);
  assert.equal(body.path, '/echo');
  assert.equal(body.domain, 'svc-1234-dev.twil.io');
  assert.equal(body.greeting, 'hi');
  assert.equal(body.event.taskSid, 'WT1');
  assert.deepEqual(body.event.request.cookies, { a: '1', b: 'two' });
  assert.equal(body.event.request.headers['user-agent'], 'flex');
  assert.equal(body.event.request.headers.connection, undefined, 'hop-by-hop headers are not passed on');
});

test('the function sees what Twilio passes: no method, no URL, headers less the restricted ones; a field may replace request', async () => {
  const { answer } = await invoke('/echo', {
    event: { taskSid: 'WT1' },
    headers: {
      Host: 'svc-1234-dev.twil.io', 'X-Forwarded-For': '10.0.0.1', Referer: 'https://flex.twilio.com/', Via: '1.1 proxy',
      'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': '11', 'X-Twilio-Signature': 'sig',
    },
  });
  const { event } = JSON.parse(answer.body);
  assert.deepEqual(Object.keys(event).sort(), ['request', 'taskSid']);
  assert.deepEqual(event.request.headers, {
    'content-type': 'application/x-www-form-urlencoded', 'content-length': '11', 'x-twilio-signature': 'sig',
  }, 'Host, X-Forwarded-*, Referer and Via are restricted (Twilio "Headers and cookies: Limitations")');
  const replaced = await invoke('/echo', { event: { request: 'a form field' } });
  assert.equal(JSON.parse(replaced.answer.body).event.request, 'a form field', 'query and body fields come after request, as in constructEvent');
});

test('the gateway answers itself: OPTIONS preflight 204, PUT/DELETE/PATCH 405, a GET with a body 403; the function never runs', async () => {
  const preflight = await invoke('/echo', { method: 'OPTIONS' });
  assert.equal(preflight.answer.status, 204);
  assert.equal(preflight.answer.headers['access-control-allow-methods'], 'GET, POST, OPTIONS');
  assert.equal(preflight.answer.body, '');
  for (const method of ['PUT', 'DELETE', 'PATCH']) {
    const { answer } = await invoke('/echo', { method, event: { Token: 'x' } });
    assert.equal(answer.status, 405, method);
    assert.equal(answer.headers.Allow, 'GET, POST, OPTIONS');
    assert.match(answer.body, new RegExp(`^${method} is not supported by Twilio Functions`));
  }
  const withBody = await invoke('/echo', { method: 'GET', headers: { 'Content-Length': '5' } });
  assert.equal(withBody.answer.status, 403);
  const plainGet = await invoke('/echo', { method: 'GET', event: { a: '1' } });
  assert.equal(plainGet.answer.status, 200, 'a GET reaches the function');
});

test('a string result is text/plain and console output never reaches stdout', async () => {
  const { answer, stderr } = await invoke('text');
  assert.equal(answer.status, 200);
  assert.equal(answer.body, 'plain words');
  assert.match(answer.headers['Content-Type'], /^text\/plain/);
  assert.match(stderr, /noise on stdout/);
});

test('Twilio.Response keeps its status, repeated headers and JSON body', async () => {
  const { answer } = await invoke('/custom');
  assert.equal(answer.status, 418);
  assert.equal(answer.headers['X-Multi'], 'a, b');
  assert.equal(answer.headers['Content-Type'], 'application/json');
  assert.deepEqual(JSON.parse(answer.body), { teapot: true });
  assert.equal(answer.headers['Set-Cookie'], undefined);
  const withCookies = await invoke('/custom', { event: { cookies: '1' } });
  assert.equal(withCookies.answer.headers['Set-Cookie'], 'a=1;Path=/, b=;Max-Age=0');
  for (const value of Object.values(withCookies.answer.headers)) assert.equal(typeof value, 'string');
});

test('callback(error), a throw, a rejected promise are 500s; no callback is a 504', async () => {
  for (const [name, message] of [['/fails', 'went wrong'], ['/throws', 'thrown'], ['/rejects', 'async failure']]) {
    const { answer } = await invoke(name);
    assert.equal(answer.status, 500, name);
    assert.equal(JSON.parse(answer.body).message, message, name);
  }
  const { answer } = await invoke('/never', {}, { SANDBOX_FUNCTION_TIMEOUT_MS: '300' });
  assert.equal(answer.status, 504);
  assert.match(answer.body, /did not call callback\(\) within 300 ms/);
});

test('private helpers and assets are reachable through Runtime like on Twilio', async () => {
  const { answer } = await invoke('/uses-helper');
  assert.equal(answer.status, 200);
  const body = JSON.parse(answer.body);
  assert.equal(body.doubled, 42);
  assert.equal(body.asset, 'hello asset');
  assert.ok(body.functions.includes('lib/helper') && body.functions.includes('custom'));
});

test('getTwilioClient() talks to the sandbox URL with the account credentials', async () => {
  seen.length = 0;
  const { answer } = await invoke('/client');
  const body = JSON.parse(answer.body);
  assert.equal(body.sid, `CH${'a'.repeat(32)}`, JSON.stringify(body));
  assert.equal(body.attributes, '{"k":1}');
  assert.equal(seen.length, 1);
  assert.equal(seen[0].url, `/conversations/v1/Conversations/CH${'a'.repeat(32)}`);
  assert.equal(seen[0].authorization, `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
});

test('fetch() and https.get() to *.twilio.com also end up at the sandbox', async () => {
  seen.length = 0;
  const { answer } = await invoke('/raw-calls');
  assert.equal(answer.status, 200, answer.body);
  assert.deepEqual(JSON.parse(answer.body), { viaFetch: `CH${'b'.repeat(32)}`, viaGet: `CH${'c'.repeat(32)}` });
  assert.deepEqual(seen.map((request) => request.url), [`/conversations/v1/Conversations/CH${'b'.repeat(32)}`, `/conversations/v1/Conversations/CH${'c'.repeat(32)}`]);
});

test('twilio-flex-token-validator\'s own https call to iam.twilio.com is routed to the sandbox', async () => {
  seen.length = 0;
  const ok = await invoke('/validated', { event: { Token: 'good-token' } });
  assert.equal(ok.answer.status, 200);
  assert.deepEqual(JSON.parse(ok.answer.body), { identity: 'agent-a' });
  assert.equal(seen[0].url, `/iam/v1/Accounts/${ACCOUNT_SID}/Tokens/validate`);
  assert.deepEqual(JSON.parse(seen[0].body), { token: 'good-token' });

  const refused = await invoke('/validated', { event: { Token: 'forged' } });
  assert.equal(refused.answer.status, 403);
  assert.equal(refused.answer.body, 'Invalid token');
});

test('bad input gets one 500 answer naming the field', async () => {
  const missing = await invoke('/no/such/function');
  assert.equal(missing.answer.status, 500);
  assert.match(missing.answer.body, /^function_path: no function "\/no\/such\/function"/);
  const garbage = await invoke('/echo', { raw: 'not json' });
  assert.equal(garbage.answer.status, 500);
  assert.match(garbage.answer.body, /^stdin: not one JSON object/);
  const noBuild = await invoke('/echo', { raw: JSON.stringify({ function_path: '/echo' }) });
  assert.match(noBuild.answer.body, /^build_dir: missing/);
});
