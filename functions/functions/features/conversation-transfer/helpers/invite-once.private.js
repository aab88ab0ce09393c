'use strict';
// Identical invites (same transferred task, same target, same warm/cold) made while the first one is still
// waiting for an agent create one transfer task, and every one of them gets the first one's answer: a
// double-click or a retry after a slow answer must not transfer twice.
//
// Functions keep no state and run at once, so the copies agree through Twilio: the transferred task's
// attributes hold one entry per target under `chatTransferInvites`, and TaskRouter lets a writer change a task
// only at the version it read (ETag / If-Match, 412 otherwise; twilio.com/docs/usage/mutation-and-conflict-resolution,
// the If-Match parameter of "Update a Task" in TaskRouter's OpenAPI). Design (functions/README.md "Identical
// invites"):
//   1. Read the task and its ETag. An entry for this key that is still working (a claim younger than
//      CLAIM_LIFE_MS without an answer) means another copy is making the invite: wait for its answer. An entry
//      with an answer whose transfer task is still pending or reserved is replayed as it is.
//   2. Otherwise write a claim at the version read (If-Match). Of copies that read the same version one write
//      succeeds; the others get 412 and go back to 1, where they find the claim.
//   3. The claim's owner makes the invite and writes its answer into the entry; copies waiting answer with it.
// A claim older than CLAIM_LIFE_MS without an answer belongs to a function Twilio has stopped (10 s limit) and
// may be taken over.

const crypto = require('node:crypto');

const fns = Runtime.getFunctions();
const { withRetry, retryable, sleep } = require(fns['common/helpers/twilio-retry'].path);
const { Conflict, ParameterError, problem } = require(fns['common/helpers/parameters'].path);

const MARKER = 'chatTransferInvites'; // the task attribute holding the entries
const TASK_ATTRIBUTES_MAX = 4096; // characters (TaskRouter Task attributes)
const LIVE = ['pending', 'reserved']; // an invite's transfer task waiting for an agent
const STORED_MESSAGE_MAX = 600; // characters of a refusal or failure message kept (and answered) for copies

const DEFAULTS = {
  claimLifeMs: 30000, // well past the 10 s a function may run
  waitMs: 6000, // how long a copy waits for the first call's answer (inside the 10 s limit)
  pollMs: [150, 350],
  maxWrites: 8,
  maxEntries: 8,
  random: Math.random,
  now: Date.now,
};

const isPlainObject = (value) => Boolean(value) && typeof value === 'object' && !Array.isArray(value);

function keyOf(request) {
  return `${request.cold ? 'cold' : 'warm'}:${request.targetSid}`;
}

function entriesOf(attributes) {
  return isPlainObject(attributes[MARKER]) ? attributes[MARKER] : {};
}

function twilioError(response) {
  let body = {};
  try { body = typeof response.body === 'string' ? JSON.parse(response.body) : response.body || {}; } catch { /* not JSON */ }
  return Object.assign(new Error(body.message || `TaskRouter answered ${response.statusCode}`), {
    status: response.statusCode, code: body.code, moreInfo: body.more_info,
  });
}

/** The task as TaskRouter stores it, its attributes parsed, and its version (the ETag header). */
async function readVersioned(client, workspaceSid, taskSid) {
  const response = await withRetry(async () => {
    const answer = await client.request({ method: 'get', uri: `https://taskrouter.twilio.com/v1/Workspaces/${workspaceSid}/Tasks/${taskSid}` });
    if (answer.statusCode >= 400) throw twilioError(answer);
    return answer;
  });
  const task = typeof response.body === 'string' ? JSON.parse(response.body) : response.body;
  const headers = response.headers || {};
  const etag = headers.etag !== undefined ? headers.etag : headers.ETag;
  if (etag === undefined || etag === null) {
    throw new Error(`TaskRouter answered task ${taskSid} without an ETag, so identical invites cannot be told apart`);
  }
  let attributes;
  try {
    attributes = JSON.parse(task.attributes || '{}');
  } catch {
    attributes = null;
  }
  if (!isPlainObject(attributes)) throw new Error(`task ${taskSid}: its attributes are not a JSON object`);
  return { task, attributes, etag: String(etag) };
}

/**
 * Write `change(entries)` as the task's entries at the version read. Resolves true when written, false on 412
 * (someone changed the task since). Throws ParameterError when the attributes would be over TaskRouter's limit.
 */
async function writeAtVersion(client, workspaceSid, taskSid, current, entries) {
  const attributes = { ...current.attributes, [MARKER]: entries };
  const text = JSON.stringify(attributes);
  if (text.length > TASK_ATTRIBUTES_MAX) {
    throw new ParameterError(problem('taskSid', `the attributes of task ${taskSid} would be ${text.length} characters with the invite's entry, over TaskRouter's limit of ${TASK_ATTRIBUTES_MAX}`,
      'shorten the task attributes before transferring'));
  }
  try {
    await client.taskrouter.v1.workspaces(workspaceSid).tasks(taskSid).update({ attributes: text, ifMatch: current.etag });
    return true;
  } catch (error) {
    if (retryable(error)) return false; // 412: changed meanwhile; 429/503: not written. Read again either way.
    throw error;
  }
}

async function taskIsLive(client, workspaceSid, taskSid) {
  if (!/^WT/.test(taskSid || '')) return false;
  const task = await withRetry(() => client.taskrouter.v1.workspaces(workspaceSid).tasks(taskSid).fetch()).catch((error) => {
    if (Number(error && error.status) === 404) return null;
    throw error;
  });
  return Boolean(task) && LIVE.includes(task.assignmentStatus);
}

const answeredTask = (entry) => entry && entry.answer && entry.answer.body ? entry.answer.body.invitesTaskSid : undefined;

/** The other entries still worth keeping: claims at work and answers whose invite still waits; at most maxEntries. */
async function liveEntries(client, workspaceSid, entries, exceptKey, options) {
  const kept = await Promise.all(Object.entries(entries).filter(([key]) => key !== exceptKey).map(async ([key, entry]) => {
    if (!isPlainObject(entry)) return null;
    if (!entry.answer) return options.now() - Number(entry.at) < options.claimLifeMs ? [key, entry] : null;
    return (await taskIsLive(client, workspaceSid, answeredTask(entry))) ? [key, entry] : null;
  }));
  return Object.fromEntries(kept.filter(Boolean).sort((a, b) => Number(b[1].at) - Number(a[1].at)).slice(0, options.maxEntries - 1));
}

/** What is kept of an answer for copies: the same status and body, a long message cut to STORED_MESSAGE_MAX. */
function storable(answer) {
  const body = { ...answer.body };
  if (typeof body.message === 'string' && body.message.length > STORED_MESSAGE_MAX) body.message = `${body.message.slice(0, STORED_MESSAGE_MAX - 1)}…`;
  return { status: answer.status, body };
}

async function recordAnswer(client, workspaceSid, taskSid, key, entry, options) {
  try {
    for (let write = 0; write < options.maxWrites; write += 1) {
      const current = await readVersioned(client, workspaceSid, taskSid);
      if (await writeAtVersion(client, workspaceSid, taskSid, current, { ...entriesOf(current.attributes), [key]: entry })) return true;
    }
    console.error(`invite-once: the answer for ${key} on task ${taskSid} was not recorded after ${options.maxWrites} writes (concurrent updates)`);
  } catch (error) {
    console.error(`invite-once: the answer for ${key} on task ${taskSid} was not recorded: ${error.message}`);
  }
  // The invite is made and this call answers it all the same; copies waiting for the answer time out with
  // 409, and an identical call after CLAIM_LIFE_MS may make another invite. The log says so for the operator.
  return false;
}

/**
 * Make the invite once for identical requests. `transfer()` makes it and resolves to the answer
 * {status, body} (never rejects: failures are answers too). Resolves to the answer this call gives: its own
 * or the first identical call's. With `mayClaim: false` it only looks for an earlier identical call by the same
 * caller (resolves null when there is none): the answer for an agent a cold transfer has already taken out.
 */
async function inviteOnce({ client, workspaceSid, request, caller, transfer, mayClaim = true, options = {} }) {
  const o = { ...DEFAULTS, ...options };
  const key = keyOf(request);
  const started = o.now();
  let waitedOn = null;
  for (;;) {
    if (o.now() - started > o.waitMs) {
      throw new Conflict(problem('taskSid', `an identical invite of task ${request.taskSid} to ${request.targetSid} is still being made by another request`,
        'wait a few seconds and look at the transfer before trying again'));
    }
    const current = await readVersioned(client, workspaceSid, request.taskSid);
    const entry = entriesOf(current.attributes)[key];
    const mine = isPlainObject(entry) && (mayClaim || entry.by === caller.workerSid) ? entry : null;
    if (mine && mine.answer && (mine.claim === waitedOn || (await taskIsLive(client, workspaceSid, answeredTask(mine))))) {
      return mine.answer;
    }
    if (mine && !mine.answer && o.now() - Number(mine.at) < o.claimLifeMs) {
      waitedOn = mine.claim; // another copy is making it: wait for its answer
      await sleep(o.pollMs[0] + o.random() * (o.pollMs[1] - o.pollMs[0]));
      continue;
    }
    if (!mayClaim) return null;
    const claim = { claim: crypto.randomUUID(), by: caller.workerSid, at: o.now() };
    const others = await liveEntries(client, workspaceSid, entriesOf(current.attributes), key, o);
    if (!(await writeAtVersion(client, workspaceSid, request.taskSid, current, { ...others, [key]: claim }))) continue;
    const answer = storable(await transfer());
    await recordAnswer(client, workspaceSid, request.taskSid, key, { ...claim, answer }, o);
    return answer;
  }
}

/** True when an identical-invite claim on `task` (an SDK TaskInstance) is still at work: an invite may be coming. */
function inviteInProgress(task, options = {}) {
  const o = { ...DEFAULTS, ...options };
  let attributes;
  try { attributes = JSON.parse(task.attributes || '{}'); } catch { return false; }
  if (!isPlainObject(attributes)) return false;
  return Object.values(entriesOf(attributes)).some((entry) => isPlainObject(entry) && !entry.answer && o.now() - Number(entry.at) < o.claimLifeMs);
}

module.exports = { inviteOnce, inviteInProgress, keyOf, MARKER };
