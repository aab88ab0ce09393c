'use strict';
// The one Node-side URL rewrite (DESIGN.md "Talking to the sandbox"):
//   https://<product>[.<edge>][.<region>].twilio.com/<path>  ->  $TWILIO_SANDBOX_URL/<product>/<path>
// Same rule as infra/client.py rewrite_url; anything that is not https on *.twilio.com is left alone.

const TWILIO_HOST = /^([a-z-]+)(?:\.[a-z0-9-]+)*\.twilio\.com$/i;

/** The sandbox product for a twilio.com host name, or null when the host is not Twilio's. */
function productOf(hostname) {
  const match = TWILIO_HOST.exec(String(hostname || '').replace(/\.$/, ''));
  return match ? match[1].toLowerCase() : null;
}

/** Rewrite a twilio.com URL onto the sandbox; returns the URL unchanged when it is not one or no sandbox is set. */
function rewriteUrl(url, sandboxUrl) {
  if (!sandboxUrl) return url;
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  const product = productOf(parsed.hostname);
  if (parsed.protocol !== 'https:' || !product) return url;
  return `${sandboxUrl.replace(/\/+$/, '')}/${product}${parsed.pathname}${parsed.search}`;
}

module.exports = { rewriteUrl, productOf };
