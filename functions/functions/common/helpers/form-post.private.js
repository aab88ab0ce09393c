'use strict';
// The functions take a form POST only, the Flex token inside its body. A token in a URL ends up in browser
// history, proxy and server logs, so a request that carries its fields in the query string is refused before
// the token is even looked at, and so is anything that is not a form POST.
//
// What a function can see (functions/README.md "POST bodies only"): Twilio passes a function neither the HTTP
// method nor the URL. `event` is the query string and the body merged into one object, and
// `event.request.headers` the request's headers (@twilio/runtime-handler's constructEvent; the gateway itself
// answers OPTIONS and refuses PUT/DELETE and a GET with a body). So:
//   - no form body (`Content-Type: application/x-www-form-urlencoded` with a `Content-Length` above 0) means
//     the request is not the plugin's POST: a GET, whose fields can only have come in the URL. 405, Allow: POST.
//   - a body too short to hold the fields `event` has means some of them came in the URL: 400. Decoding a form
//     body never makes it longer, so the bytes of every name and value, an `=` each and the `&` between them,
//     are a lower bound on the length of a body that holds them all; this never refuses a body that does.
// Residual: a POST whose URL carries the token while its body is padded (or percent-escaped) past that bound
// is not caught; nothing a function is given can tell.

const FORM = 'application/x-www-form-urlencoded';
const FIX = 'POST the form fields, Token included, in the request body as application/x-www-form-urlencoded, never in the URL';

function headersOf(event) {
  const request = event && event.request;
  return request && typeof request === 'object' && request.headers && typeof request.headers === 'object' ? request.headers : {};
}

function single(value) {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

/** The fewest bytes a form body holding every text field of `event` can have. */
function fewestBodyBytes(event) {
  let bytes = 0;
  let fields = 0;
  for (const [name, value] of Object.entries(event)) {
    if (name === 'request') continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') continue; // structures are refused later
      bytes += Buffer.byteLength(name) + 1 + Buffer.byteLength(String(item));
      fields += 1;
    }
  }
  return bytes + Math.max(0, fields - 1);
}

/**
 * null when `event` is a form POST whose body can hold all its fields; otherwise the refusal to answer:
 * {status, headers, message} (405 with Allow: POST, or 400).
 */
function formPostRefusal(event) {
  const headers = headersOf(event);
  const type = String(single(headers['content-type']) || '').split(';')[0].trim().toLowerCase();
  const length = Number(single(headers['content-length']));
  if (type !== FORM || !Number.isFinite(length) || length <= 0) {
    const sent = Number.isFinite(length) && length > 0 ? `a body of type ${JSON.stringify(type || 'none')}` : 'no body';
    return {
      status: 405,
      headers: { Allow: 'POST' },
      message: `method: this function answers a POST with a form body only (this request had ${sent}; a GET puts the Flex token in the URL) (fix: ${FIX})`,
    };
  }
  const fewest = fewestBodyBytes(event);
  if (length < fewest) {
    return {
      status: 400,
      headers: {},
      message: `query string: the request body (${length} bytes) cannot hold the fields this request carries (at least ${fewest} bytes), so some came in the URL's query string, where a token ends up in logs (fix: ${FIX})`,
    };
  }
  return null;
}

module.exports = { formPostRefusal, fewestBodyBytes };
