// The benchmark's peer: one `deployLocalProject` of @twilio-labs/serverless-api, as twilio-run does it.
// Input: TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN (env, never argv) and one JSON argument
// {"cwd", "serviceName", "serviceSid"?, "functionsEnv", "runtime"}. Output: one JSON line on stdout with the
// result SIDs, the deploy's own wall time and the time of each status step (what the profile shows).
'use strict';

const { performance } = require('perf_hooks');
const path = require('path');
const { TwilioServerlessApiClient } = require('@twilio-labs/serverless-api');

async function main() {
  const args = JSON.parse(process.argv[2] || '{}');
  const client = new TwilioServerlessApiClient({
    username: process.env.TWILIO_ACCOUNT_SID,
    password: process.env.TWILIO_AUTH_TOKEN,
  });
  const steps = [];
  const started = performance.now();
  client.on('status-update', ({ status, message }) => {
    steps.push({ at: (performance.now() - started) / 1000, status, message });
  });
  const pkgJson = require(path.join(args.cwd, 'package.json'));
  const result = await client.deployLocalProject({
    cwd: args.cwd,
    envPath: path.join(args.cwd, '.env.bench-none'),
    env: {},
    pkgJson,
    serviceName: args.serviceName,
    serviceSid: args.serviceSid,
    functionsEnv: args.functionsEnv,
    runtime: args.runtime,
    overrideExistingService: true,
    noAssets: true,
  });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${JSON.stringify({
      seconds,
      serviceSid: result.serviceSid,
      environmentSid: result.environmentSid,
      buildSid: result.buildSid,
      domain: result.domain,
      functions: result.functionResources.length,
      steps,
    })}\n`
  );
}

main().catch((error) => {
  process.stderr.write(`peer deploy failed: ${error && error.message ? error.message : error}\n`);
  process.exit(1);
});
