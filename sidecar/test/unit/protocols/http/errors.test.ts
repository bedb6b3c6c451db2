import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpFailure } from '../../../../src/protocols/http/errors.js';

/** A socket error as Node makes it: `${syscall} ${code}`. */
const socketError = (syscall: string, code: string) => Object.assign(new Error(`${syscall} ${code}`), { code, syscall });
const signal = new AbortController().signal;

test('connect-class codes are FERRY_ERR_UPSTREAM_CONNECT only when the connection never came up', () => {
  for (const code of ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']) {
    assert.equal(httpFailure(socketError('connect', code), signal, 'e').code, 'FERRY_ERR_UPSTREAM_CONNECT', code);
  }
  assert.equal(httpFailure(socketError('getaddrinfo', 'ENOTFOUND'), signal, 'e').code, 'FERRY_ERR_UPSTREAM_CONNECT');
  // an established connection reports the same codes when the host goes away under it (a soft ICMP error made hard
  // by the retransmission timeout): the request may have been sent, so it is a lost connection, never requeued
  for (const syscall of ['read', 'write']) {
    for (const code of ['EHOSTUNREACH', 'ENETUNREACH']) {
      const error = httpFailure(socketError(syscall, code), signal, 'e');
      assert.equal(error.code, 'FERRY_ERR_UPSTREAM_RESET', `${syscall} ${code}`);
    }
  }
});
