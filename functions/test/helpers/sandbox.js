'use strict';
// Test helper: a real local sandbox (`.venv/bin/twilio-sandbox serve --port 0`) for one suite, the twilio npm
// client pointed at it (the one Node rewrite, sandbox/runtime/lib/sandbox-url.js), and function calls made
// through the same runtime host the sandbox uses (sandbox/runtime/invoke.js).

const { spawn } = require('node:child_process');
const { before, after } = require('node:test');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const twilio = require('twilio');
const { rewriteUrl } = require('../../../sandbox/runtime/lib/sandbox-url');

const REPO = path.resolve(__dirname, '..', '..', '..');
const FUNCTIONS_PROJECT = path.resolve(__dirname, '..', '..');
const SANDBOX_BIN = path.join(REPO, '.venv', 'bin', 'twilio-sandbox');
const INVOKE_JS = path.join(REPO, 'sandbox', 'runtime', 'invoke.js');
const START_TIMEOUT_MS = 60000;

class SandboxClient extends twilio.RequestClient {
  constructor(sandboxUrl) {
    super();
    this.sandboxUrl = sandboxUrl;
  }

  request(opts) {
    return super.request({ ...opts, uri: rewriteUrl(opts.uri, this.sandboxUrl) });
  }
}

/**
 * A form body as a browser's URLSearchParams writes it: a list repeats its field, an object nests as
 * `name[key]` (what the runtime's body parser reads back as a structure).
 */
function formBody(form) {
  const params = new URLSearchParams();
  const add = (name, value) => {
    if (Array.isArray(value)) value.forEach((item) => add(name, item));
    else if (value && typeof value === 'object') Object.entries(value).forEach(([key, item]) => add(`${name}[${key}]`, item));
    else params.append(name, value === undefined || value === null ? '' : String(value));
  };
  Object.entries(form || {}).forEach(([name, value]) => add(name, value));
  return params.toString();
}

class Sandbox {
  /** Takes over a started `twilio-sandbox serve`: its process, its temp folder and the credentials it printed. */
  adopt(child, dir, env) {
    this.child = child;
    this.dir = dir;
    this.url = env.TWILIO_SANDBOX_URL;
    this.accountSid = env.TWILIO_ACCOUNT_SID;
    this.authToken = env.TWILIO_AUTH_TOKEN;
    return this;
  }

  /** A twilio npm client whose requests go to this sandbox. */
  client() {
    return twilio(this.accountSid, this.authToken, { httpClient: new SandboxClient(this.url) });
  }

  async control(method, route, body) {
    const response = await fetch(`${this.url}/_sandbox${route}`, {
      method,
      headers: {
        Authorization: `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`sandbox ${method} /_sandbox${route}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  reset(seed = 'flex-demo') { return this.control('POST', '/reset', { seed }); }

  seed() { return this.control('GET', '/seed'); }

  async flexToken(workerSid) { return (await this.control('POST', '/flex-tokens', { worker_sid: workerSid })).token; }

  async requests(since) { return (await this.control('GET', `/requests${since === undefined ? '' : `?since=${since}`}`)).requests; }

  /** The id of the newest logged request, so a test can look at only what came after. */
  async lastRequestId() {
    const all = await this.requests();
    return all.length ? all[all.length - 1].id : 0;
  }

  /**
   * Writes in the request log (`/_sandbox/requests/summary`): its `writes` less the IAM token checks, which
   * are POSTs that only read. A refused call must leave this number as it was.
   */
  async writeCount() {
    const summary = await this.control('GET', '/requests/summary');
    return summary.writes - (summary.by['iam POST'] || 0);
  }

  addFault(fault) { return this.control('POST', '/faults', fault); }

  clearFaults() { return this.control('DELETE', '/faults'); }

  /**
   * Call a function of functions/ through sandbox/runtime/invoke.js, as the sandbox's /_runtime route does:
   * `form` is POSTed as a form body (its Content-Type and Content-Length as a client sends them) and `query`
   * goes in the URL; `event` is both merged, the way Twilio hands them to a function. `method: 'GET'` sends no
   * body (the form's fields then travel in the URL). `variables` are the environment's Variables; the account
   * credentials are added like IncludeCredentials.
   */
  invoke(functionPath, form, variables = {}, { method = 'POST', query = {} } = {}) {
    const withBody = !['GET', 'HEAD', 'OPTIONS'].includes(method);
    const body = withBody ? formBody(form) : '';
    const headers = withBody ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) } : {};
    const input = {
      build_dir: FUNCTIONS_PROJECT,
      function_path: functionPath,
      context: {
        ACCOUNT_SID: this.accountSid,
        AUTH_TOKEN: this.authToken,
        DOMAIN_NAME: 'chat-transfer-0000-dev.twil.io',
        PATH: functionPath,
        ...variables,
      },
      event: { ...query, ...form },
      headers,
      method,
      sandbox_url: this.url,
    };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [INVOKE_JS], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => { stdout += chunk; });
      child.stderr.on('data', (chunk) => { stderr += chunk; });
      child.on('error', reject);
      child.on('close', () => {
        try {
          const answer = JSON.parse(stdout);
          let json;
          try { json = JSON.parse(answer.body); } catch { json = undefined; }
          resolve({ ...answer, json, stderr });
        } catch (error) {
          reject(new Error(`invoke.js gave no JSON answer for ${functionPath}: ${error.message}\n${stderr}`));
        }
      });
      child.stdin.end(JSON.stringify(input));
    });
  }

  async stop() {
    if (!this.child) return;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Start a fresh sandbox (own temp database, free port), wait for "sandbox ready" and hand it to `sandbox`. */
async function startSandbox(extraArgs = [], sandbox = new Sandbox()) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'functions-sandbox-'));
  const child = spawn(SANDBOX_BIN, ['serve', '--port', '0', '--db', path.join(dir, 'sandbox.db'),
    '--env-file', path.join(dir, 'env'), ...extraArgs], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
  const env = await new Promise((resolve, reject) => {
    const found = {};
    const timer = setTimeout(() => fail(new Error(`no "sandbox ready" within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const lines = readline.createInterface({ input: child.stdout });
    function fail(error) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n${stderr}`));
    }
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`twilio-sandbox exited with ${code} before it was ready`)));
    lines.on('line', (line) => {
      const match = /^(TWILIO_[A-Z_]+)=(.*)$/.exec(line.trim());
      if (match) found[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
      if (line.trim() === 'sandbox ready') {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(found);
      }
    });
  });
  child.stdout.resume();
  return sandbox.adopt(child, dir, env);
}

/**
 * The sandbox a suite shares: registers the hooks that start it before the file's first test (`args` go to
 * `twilio-sandbox serve`), then run `setUp` (what the whole file shares), and stop it after its last test, also
 * when one failed. Its methods work in the file's tests and in its `beforeEach` hooks. File-wide set-up goes in
 * `setUp`: node:test starts a file's top-level `before` hook as soon as it is registered, without waiting for
 * an earlier one, so a second `before` could run before the sandbox is up.
 */
function useSandbox({ args = [], setUp = async () => {} } = {}) {
  const sandbox = new Sandbox();
  before(async () => {
    await startSandbox(args, sandbox);
    await setUp();
  });
  after(() => sandbox.stop());
  return sandbox;
}

module.exports = { startSandbox, useSandbox, SandboxClient, formBody, REPO, FUNCTIONS_PROJECT };
