import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

/**
 * Node turns a timer delay above 2^31-1 ms (about 24.8 days) into 1 ms, with only a warning: a
 * generous TOLLGATE_CHARGE_TIMEOUT_MS would spool every charge after 1 ms, a generous
 * TOLLGATE_SHUTDOWN_GRACE_MS would cut every stream at once on SIGTERM. Such values must fail at start.
 */
const MAX_TIMER_MS = 2_147_483_647;
const TIMERS = ['TOLLGATE_UPSTREAM_HEADERS_TIMEOUT_MS', 'TOLLGATE_UPSTREAM_BODY_TIMEOUT_MS', 'TOLLGATE_CHARGE_TIMEOUT_MS', 'TOLLGATE_SHUTDOWN_GRACE_MS'];

describe('configuration: timer values', () => {
  for (const name of TIMERS) {
    it(`${name} above what a Node timer can hold is refused, naming the variable`, () => {
      expect(() => loadConfig({ [name]: String(MAX_TIMER_MS + 1) })).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: String(MAX_TIMER_MS + 1) })).toThrow(name);
      expect(() => loadConfig({ [name]: String(MAX_TIMER_MS) })).not.toThrow();
    });
  }
});

describe('upstream URL', () => {
  it('a URL ending in /v1 is refused with a message saying to drop it', () => {
    expect(() => loadConfig({ TOLLGATE_UPSTREAM_URL: 'https://api.openai.com/v1' })).toThrow(/without \/v1/);
    expect(() => loadConfig({ TOLLGATE_UPSTREAM_URL: 'https://proxy.example.com/openai' })).not.toThrow();
  });
});
