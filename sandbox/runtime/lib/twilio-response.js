'use strict';
// Twilio.Response as Twilio Functions offer it: a status code, headers and a body the function builds up.

const COOKIE = 'Set-Cookie';

class TwilioResponse {
  constructor(options = {}) {
    this.statusCode = options.statusCode || 200;
    this.body = options.body === undefined ? null : options.body;
    this.headers = {};
    if (options.headers) this.setHeaders(options.headers);
  }

  setStatusCode(code) {
    this.statusCode = code;
    return this;
  }

  setBody(body) {
    this.body = body;
    return this;
  }

  setHeaders(headers) {
    this.headers = {};
    if (headers && typeof headers === 'object') {
      for (const [key, value] of Object.entries(headers)) this.appendHeader(key, value);
    }
    return this;
  }

  appendHeader(key, value) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      throw new Error('Header value cannot be an object');
    }
    const name = key.toLowerCase() === COOKIE.toLowerCase() ? COOKIE : key;
    const existing = this.headers[name];
    if (name === COOKIE) {
      this.headers[name] = [...(existing || []), ...[value].flat()];
    } else {
      this.headers[name] = existing === undefined ? value : [existing, value].flat();
    }
    return this;
  }

  setCookie(key, value, attributes = []) {
    return this.appendHeader(COOKIE, [`${key}=${value}`, ...attributes].join(';'));
  }

  removeCookie(key) {
    const kept = (this.headers[COOKIE] || []).filter((cookie) => !cookie.startsWith(`${key}=`));
    this.headers[COOKIE] = [...kept, `${key}=;Max-Age=0`];
    return this;
  }
}

module.exports = { TwilioResponse };
