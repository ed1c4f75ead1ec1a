import { describe, expect, it } from '@jest/globals';
import { classifyAnswering, classifySilent, countersBackwards, type DeviceSnapshot } from '../../../harness/steps/crash-class.js';

const before: DeviceSnapshot = { uptimeS: 312, sessionId: 'abc', stats: { sigOk: 7, regSucceed: 1 }, at: 10_000 };

describe('crash classification', () => {
  it('a silent radio with a live console is crashed', () => {
    expect(classifySilent({ consoleAnswers: true, evidence: 'no answer to GET 2' })).toEqual({
      class: 'crashed',
      message: 'the device crashed after this input: radio silent, console still answers (no answer to GET 2)',
    });
  });

  it('a silent radio without a console is crashed', () => {
    expect(classifySilent({ consoleAnswers: undefined, evidence: 'x' })).toEqual({ class: 'crashed', message: 'the device crashed after this input: radio silent (x)' });
  });

  it('a silent radio and a dead console is hung', () => {
    expect(classifySilent({ consoleAnswers: false, evidence: 'x' })).toEqual({ class: 'hung', message: 'the device hung after this input: radio silent and console unresponsive (x)' });
  });

  it('uptime that kept pace with the clock is no verdict', () => {
    expect(classifyAnswering(before, { ...before, uptimeS: 322, at: 20_000 })).toBeUndefined();
  });

  it('uptime within the slack (2 s or 2 % of the elapsed time) is no verdict', () => {
    expect(classifyAnswering(before, { ...before, uptimeS: 320, at: 20_000 })).toBeUndefined();
    expect(classifyAnswering({ ...before, uptimeS: 15, at: 0, answeredAt: 0 }, { ...before, uptimeS: 310, at: 300_000 })).toBeUndefined();
  });

  it('a device booted just before the test that resets early in a long one is a reboot', () => {
    expect(classifyAnswering({ ...before, uptimeS: 15, at: 0, answeredAt: 0 }, { ...before, uptimeS: 290, at: 300_000 })?.class).toBe('rebooted');
  });

  it('uptime lower than baseline plus elapsed is a reboot', () => {
    expect(classifyAnswering(before, { ...before, uptimeS: 4, at: 20_000 })).toEqual({
      class: 'rebooted',
      message: 'the device rebooted after this input: Uptime 4 s, was 312 s before the test 10 s earlier',
    });
  });

  it('a reboot names a new SessionID too', () => {
    expect(classifyAnswering(before, { ...before, uptimeS: 1, sessionId: 'def', at: 20_000 })).toEqual({
      class: 'rebooted',
      message: 'the device rebooted after this input: Uptime 1 s, was 312 s before the test 10 s earlier; SessionID "def", was "abc"',
    });
  });

  it('counters going backwards with continuous uptime is degraded', () => {
    expect(classifyAnswering(before, { ...before, uptimeS: 322, stats: { sigOk: 0, regSucceed: 1 }, at: 20_000 })).toEqual({
      class: 'degraded',
      message: 'the device degraded after this input: it answers and its uptime is continuous, but CGMSStats went backwards (sigOk 7 → 0)',
    });
  });

  it('a new SessionID without a reboot is degraded', () => {
    expect(classifyAnswering(before, { ...before, uptimeS: 322, sessionId: undefined, at: 20_000 })).toEqual({
      class: 'degraded',
      message: 'the device degraded after this input: it answers and its uptime is continuous, but SessionID none, was "abc" (the session was reset without a reboot)',
    });
  });

  it('elapsed time runs from the baseline answer to the later GET, so a slow baseline answer is no reboot', () => {
    const slow = { ...before, at: 10_000, answeredAt: 16_000 };
    expect(classifyAnswering(slow, { ...before, uptimeS: 316, at: 20_000 })).toBeUndefined();
    expect(classifyAnswering({ ...slow, answeredAt: undefined }, { ...before, uptimeS: 316, at: 20_000 })?.class).toBe('rebooted');
  });

  it('counters compare only those both snapshots have', () => {
    expect(countersBackwards({ a: 3, b: 2 }, { a: 4 })).toEqual([]);
    expect(countersBackwards(undefined, { a: 1 })).toEqual([]);
    expect(countersBackwards({ a: 3, b: 2 }, { a: 1, b: 2 })).toEqual(['a 3 → 1']);
  });
});
