'use strict';
// The task attribute names the invite writes, so they are the names the Chat Transfer workflow reads. The
// stack's `chat-transfer:attributes` config renames them in the workflow and sets these environment variables
// to the same names; an unset or empty one means the plugin's default name (functions/README.md "Task
// attribute names"). A bad value is the operator's to fix, so it is a 500 naming the variable, before any write.

const { Misconfiguration, problem } = require(Runtime.getFunctions()['common/helpers/parameters'].path);

/** role → [environment variable, the plugin's default attribute name] */
const VARIABLES = {
  targetType: ['TRANSFER_ATTRIBUTE_TARGET_TYPE', 'transferTargetType'],
  targetSid: ['TRANSFER_ATTRIBUTE_TARGET_SID', 'transferTargetSid'],
  queueName: ['TRANSFER_ATTRIBUTE_QUEUE_NAME', 'transferQueueName'],
  workersInConversation: ['TRANSFER_ATTRIBUTE_WORKERS_IN_CONVERSATION', 'workerSidsInConversation'],
};
const DEFAULT_NAMES = Object.fromEntries(Object.entries(VARIABLES).map(([role, [, name]]) => [role, name]));

// Used unquoted in TaskRouter expressions (`task.<name>`), so the same rule as the workflow spec's.
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME_MAX = 128; // characters
// Written on the new task by the invite itself (reporting link) or by Flex, or on the transferred task by the
// invite (invite-once's chatTransferInvites); a rename onto one would clobber it.
const RESERVED = ['conversations', 'conversationSid', 'flexInteractionSid', 'flexInteractionChannelSid', 'flexChannelInviteSid', 'chatTransferInvites'];

const FIX = 'set it to the same name as chat-transfer:attributes in the stack config, or leave it unset for the default';

/** The four attribute names from the Functions environment; throws Misconfiguration (500) naming the variable. */
function attributeNames(context) {
  const names = {};
  const byName = new Map();
  for (const [role, [variable, fallback]] of Object.entries(VARIABLES)) {
    const raw = context[variable];
    if (raw !== undefined && raw !== null && typeof raw !== 'string') {
      throw new Misconfiguration(problem(variable, 'is not text', FIX));
    }
    const value = (raw || '').trim();
    const name = value || fallback;
    if (name.length > NAME_MAX) {
      throw new Misconfiguration(problem(variable, `${name.length} characters, over the limit of ${NAME_MAX} for a task attribute name`, FIX));
    }
    if (!IDENTIFIER.test(name)) {
      throw new Misconfiguration(problem(variable, `${JSON.stringify(name.slice(0, 40))} is not a task attribute name the workflow can read unquoted (letters, digits and _, not starting with a digit)`, FIX));
    }
    if (RESERVED.includes(name)) {
      throw new Misconfiguration(problem(variable, `"${name}" is an attribute the invite or Flex already writes on the task`, `${FIX}; choose a name other than ${RESERVED.join(', ')}`));
    }
    if (byName.has(name)) {
      const first = byName.get(name);
      const which = [[first.variable, first.set], [variable, Boolean(value)]]
        .map(([each, set]) => `${each}${set ? '' : ' (unset: its default)'}`).join(' and ');
      throw new Misconfiguration(problem(value ? variable : first.variable, `${which} both name the attribute "${name}"; the four transfer attributes need four different names`, FIX));
    }
    byName.set(name, { variable, set: Boolean(value) });
    names[role] = name;
  }
  return names;
}

module.exports = { attributeNames, DEFAULT_NAMES, VARIABLES };
