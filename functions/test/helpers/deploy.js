'use strict';
// Deploys functions/ to the sandbox's Serverless API the way the Serverless Toolkit does (service, environment,
// one function per file with its visibility, multipart upload, build with package.json's dependencies,
// deployment, variables), so a test can call what was really deployed through /_runtime.

const fs = require('node:fs');
const path = require('node:path');
const { FUNCTIONS_PROJECT } = require('./sandbox');
const { waitFor } = require('./wait');

function localFunctions() {
  const root = path.join(FUNCTIONS_PROJECT, 'functions');
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : [full];
  });
  return walk(root).filter((file) => file.endsWith('.js')).map((file) => {
    const relative = path.relative(root, file).split(path.sep).join('/');
    const match = /^(.*?)(\.protected|\.private)?\.js$/.exec(relative);
    return { file, path: `/${match[1]}`, visibility: match[2] ? match[2].slice(1) : 'public' };
  });
}

async function upload(sandbox, serviceSid, functionSid, fn) {
  const form = new FormData();
  form.append('Path', fn.path);
  form.append('Visibility', fn.visibility);
  form.append('Content', new Blob([fs.readFileSync(fn.file)], { type: 'application/javascript' }), path.basename(fn.file));
  const response = await fetch(`${sandbox.url}/serverless-upload/v1/Services/${serviceSid}/Functions/${functionSid}/Versions`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${sandbox.accountSid}:${sandbox.authToken}`).toString('base64')}` },
    body: form,
  });
  const body = await response.json();
  if (response.status !== 201) throw new Error(`upload ${fn.path}: ${response.status} ${JSON.stringify(body)}`);
  return body.sid;
}

/** Deploy functions/ with `variables` as service `uniqueName`; resolves to the environment's domain name. */
async function deployFunctions(sandbox, variables, uniqueName = 'chat-transfer') {
  const client = sandbox.client();
  const service = await client.serverless.v1.services.create({ uniqueName, friendlyName: uniqueName, includeCredentials: true });
  const environment = await client.serverless.v1.services(service.sid).environments.create({ uniqueName: 'dev-environment', domainSuffix: 'dev' });
  const versions = await Promise.all(localFunctions().map(async (fn) => {
    const created = await client.serverless.v1.services(service.sid).functions.create({ friendlyName: fn.path });
    return upload(sandbox, service.sid, created.sid, fn);
  }));
  const { dependencies } = JSON.parse(fs.readFileSync(path.join(FUNCTIONS_PROJECT, 'package.json'), 'utf8'));
  const build = await client.serverless.v1.services(service.sid).builds.create({
    functionVersions: versions,
    dependencies: JSON.stringify(Object.entries(dependencies).map(([name, version]) => ({ name, version }))),
    runtime: 'node22',
  });
  await waitFor(`build ${build.sid} to complete`, async () => {
    const { status } = await client.serverless.v1.services(service.sid).builds(build.sid).buildStatus().fetch();
    if (status === 'failed') throw new Error(`build ${build.sid} failed`);
    return status === 'completed';
  }, { deadlineMs: 30000, everyMs: 200 });
  for (const [key, value] of Object.entries(variables)) {
    await client.serverless.v1.services(service.sid).environments(environment.sid).variables.create({ key, value });
  }
  await client.serverless.v1.services(service.sid).environments(environment.sid).deployments.create({ buildSid: build.sid });
  return environment.domainName;
}

/**
 * POST a form to a deployed function the way the Flex plugin does; `method` another method (its form then
 * goes nowhere for GET), `query` fields for the URL's query string.
 */
async function callDeployed(sandbox, domain, functionPath, form, { method = 'POST', query } = {}) {
  const url = `${sandbox.url}/_runtime/${domain}${functionPath}${query ? `?${new URLSearchParams(query)}` : ''}`;
  const withBody = !['GET', 'HEAD', 'OPTIONS'].includes(method);
  const response = await fetch(url, {
    method,
    headers: withBody ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {},
    body: withBody ? new URLSearchParams(form).toString() : undefined,
  });
  const body = await response.text();
  let json;
  try { json = JSON.parse(body); } catch { json = undefined; }
  return { status: response.status, headers: Object.fromEntries(response.headers), body, json };
}

module.exports = { deployFunctions, callDeployed, localFunctions };
