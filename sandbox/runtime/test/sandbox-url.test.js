'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { rewriteUrl } = require('../lib/sandbox-url');

const SANDBOX = 'http://127.0.0.1:4999/';

test('twilio.com product hosts map onto the sandbox, query kept', () => {
  assert.equal(rewriteUrl('https://flex-api.twilio.com/v1/Interactions/KD1/Channels/UO1/Invites', SANDBOX),
    'http://127.0.0.1:4999/flex-api/v1/Interactions/KD1/Channels/UO1/Invites');
  assert.equal(rewriteUrl('https://conversations.twilio.com/v1/Conversations/CH1/Participants?PageSize=100', SANDBOX),
    'http://127.0.0.1:4999/conversations/v1/Conversations/CH1/Participants?PageSize=100');
  assert.equal(rewriteUrl('https://iam.us1.twilio.com/v1/Accounts/AC1/Tokens/validate', SANDBOX),
    'http://127.0.0.1:4999/iam/v1/Accounts/AC1/Tokens/validate');
});

test('other URLs and an unset sandbox leave the URL alone', () => {
  for (const url of ['http://taskrouter.twilio.com/v1/Workspaces', 'https://example.com/v1', 'https://twilio.com.evil.org/x',
    'http://127.0.0.1:4999/conversations/v1/Conversations']) {
    assert.equal(rewriteUrl(url, SANDBOX), url);
  }
  assert.equal(rewriteUrl('https://taskrouter.twilio.com/v1/Workspaces', undefined), 'https://taskrouter.twilio.com/v1/Workspaces');
});
