// The Node twilio SDK against the sandbox: only the base URL is rewritten (as functions/test does); it must
// follow the sandbox's next_page_url across pages and create a Flex Invite that routes a task.
// Run: node --test tests/node/  (needs .venv and the twilio package under sandbox/runtime/node_modules).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const twilio = createRequire(path.join(repo, 'sandbox', 'runtime', 'package.json'))('twilio');

let server;
let env;

function startSandbox() {
  const work = mkdtempSync(path.join(tmpdir(), 'sandbox-node-'));
  const python = path.join(repo, '.venv', 'bin', 'python');
  const args = ['-c', 'from sandbox.cli import main; main()', 'serve', '--port', '0', '--seed', 'flex-demo',
    '--db', path.join(work, 'sandbox.db'), '--env-file', path.join(work, 'env')];
  const child = spawn(python, args, { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`sandbox did not start: ${out}`)), 60000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('sandbox ready')) {
        clearTimeout(timer);
        const vars = Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => l.split(/=(.*)/s, 2)));
        resolve({ child, vars });
      }
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited with ${code}: ${out}`)));
  });
}

function rewrite(uri, base) {
  const url = new URL(uri);
  const match = url.hostname.match(/^([a-z-]+)(?:\.[a-z0-9-]+)*\.twilio\.com$/);
  if (url.protocol !== 'https:' || !match) return uri;
  return `${base}/${match[1]}${url.pathname}${url.search}`;
}

class SandboxRequestClient extends twilio.RequestClient {
  constructor(base) { super(); this.base = base; }
  request(opts) { return super.request({ ...opts, uri: rewrite(opts.uri, this.base) }); }
}

async function control(method, route, body) {
  const auth = Buffer.from(`${env.TWILIO_ACCOUNT_SID}:${env.TWILIO_AUTH_TOKEN}`).toString('base64');
  const response = await fetch(`${env.TWILIO_SANDBOX_URL}/_sandbox/${route}`, {
    method, headers: { Authorization: `Basic ${auth}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  return response.json();
}

before(async () => {
  const started = await startSandbox();
  server = started.child;
  env = started.vars;
});

after(() => { server?.kill('SIGTERM'); });

const client = () => twilio(env.TWILIO_ACCOUNT_SID, env.TWILIO_AUTH_TOKEN,
  { httpClient: new SandboxRequestClient(env.TWILIO_SANDBOX_URL) });

test('lists task queues across pages by following next_page_url', async () => {
  const seed = await control('GET', 'seed');
  const before = await control('GET', 'requests');
  const lastId = before.requests.length ? before.requests.at(-1).id : 0;
  const queues = await client().taskrouter.v1.workspaces(seed.workspace.sid).taskQueues.list({ pageSize: 1 });
  assert.deepEqual(queues.map((q) => q.friendlyName), ['Everyone', 'Sales', 'Support']);
  const pages = (await control('GET', `requests?since=${lastId}`)).requests
    .filter((r) => r.path.endsWith('/TaskQueues'));
  assert.equal(pages.length, 3, 'one request per page');
});

test('creates a Flex invite whose task is routed to the target queue', async () => {
  const seed = await control('GET', 'seed');
  const { chat } = seed;
  const invite = await client().flexApi.v1.interaction(chat.interaction).channels(chat.channel).invites.create({
    routing: {
      properties: {
        workspace_sid: seed.workspace.sid, workflow_sid: seed.workflows['Assign to Anyone'],
        task_channel_unique_name: 'chat', attributes: { transferTargetType: 'queue', transferQueueName: 'Everyone' },
      },
    },
  });
  assert.match(invite.sid, /^KG[0-9a-f]{32}$/);
  const taskSid = invite.routing.properties.sid;
  assert.match(taskSid, /^WT[0-9a-f]{32}$/);
  const task = await client().taskrouter.v1.workspaces(seed.workspace.sid).tasks(taskSid).fetch();
  assert.equal(task.taskQueueSid, seed.queues.Everyone);
  assert.equal(JSON.parse(task.attributes).flexChannelInviteSid, invite.sid);
  const listed = await client().flexApi.v1.interaction(chat.interaction).channels(chat.channel).invites.list();
  assert.ok(listed.some((i) => i.sid === invite.sid));
});

test('a wrong auth token is refused with Twilio error 20003', async () => {
  const bad = twilio(env.TWILIO_ACCOUNT_SID, 'wrong-token',
    { httpClient: new SandboxRequestClient(env.TWILIO_SANDBOX_URL) });
  await assert.rejects(bad.flexApi.v1.configuration.get().fetch(), (error) => error.status === 401 && error.code === 20003);
});
