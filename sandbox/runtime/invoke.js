#!/usr/bin/env node
'use strict';
// The sandbox's Node runtime host: one JSON object on stdin
//   {build_dir, function_path, context, event, headers, method, sandbox_url}
// -> one JSON object on stdout {status, headers, body}. See docs/SEAMS.md.
// Anything the function prints goes to stderr so stdout carries only the answer.

const fs = require('node:fs');
const { runFunction, InvocationError } = require('./lib/host');

const answerFd = 1;
const toStderr = (...args) => process.stderr.write(`${args.map(String).join(' ')}\n`);
for (const level of ['log', 'info', 'debug', 'trace']) console[level] = toStderr;
process.stdout.write = (chunk, encoding, cb) => process.stderr.write(chunk, encoding, cb);

function answer(result) {
  fs.writeSync(answerFd, `${JSON.stringify(result)}\n`);
  process.exit(0);
}

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (chunk) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

async function main() {
  let input;
  try {
    input = JSON.parse(await readStdin());
  } catch (error) {
    throw new InvocationError(`stdin: not one JSON object (${error.message}) (fix: send the invocation as JSON)`);
  }
  const timeoutMs = Number(process.env.SANDBOX_FUNCTION_TIMEOUT_MS) || undefined;
  return runFunction(input, timeoutMs ? { timeoutMs } : {});
}

main().then(
  (result) => answer(result),
  (error) => {
    // The host itself could not run the function (bad input, missing file): still one answer, a 500 that says why.
    const message = error instanceof InvocationError ? error.message : `runtime host: ${error && error.stack ? error.stack : error}`;
    process.stderr.write(`${message}\n`);
    answer({ status: 500, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: message });
  },
);
