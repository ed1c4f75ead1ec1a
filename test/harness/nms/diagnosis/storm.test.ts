import { describe, expect, it } from '@jest/globals';
import { diagnose } from '../../../../harness/nms/diagnosis/diagnose.js';
import { attemptTimes, registrationStorm } from '../../../../harness/nms/diagnosis/storm.js';
import type { NmsEvent } from '../../../../harness/nms/events.js';
import { event, facts, probe } from './scripted-facts.js';

/** registrationRequest events at these clock ms. */
const attempts = (...at: number[]): NmsEvent[] => at.map((t, i) => ({ ...event('registrationRequest'), at: t, seq: 100 + i }));
const everySecond = (n: number): number[] => Array.from({ length: n }, (_, i) => i * 1000);

describe('registrationStorm', () => {
  it('says nothing for a trickle timer: 12 attempts in a minute, or many spread out', () => {
    expect(registrationStorm(attemptTimes(attempts(...everySecond(12))))).toBeUndefined();
    expect(registrationStorm(attemptTimes(attempts(...Array.from({ length: 40 }, (_, i) => i * 10_000))))).toBeUndefined();
  });

  it('names 13 within a minute, with the measured rate, counting rejected attempts too', () => {
    expect(registrationStorm(attemptTimes(attempts(...everySecond(13))))).toBe('registration storm: 13 POST /r in 12s (60/min; 13 within one minute, more than the 12 a trickle timer allows)');
    const mixed = [...attempts(...everySecond(10)), ...[10_000, 11_000, 12_000].map((t) => ({ ...event('registrationRejected'), at: t }))];
    expect(registrationStorm(attemptTimes(mixed))).toMatch(/^registration storm: 13 POST \/r in 12s /);
  });

  it('the busiest minute decides, not the average: a burst of 20 within 95 s of quiet', () => {
    const burst = [...everySecond(20).map((t) => t + 75_000), 0];
    expect(registrationStorm(attemptTimes(attempts(...burst.sort((a, b) => a - b))))).toBe('registration storm: 21 POST /r in 1m34s (13/min; 20 within one minute, more than the 12 a trickle timer allows)');
  });
});

describe('the diagnosis names a storm', () => {
  it('a device that passes every check but storms lands in the registration branch on that evidence', async () => {
    const d = await diagnose(facts({ events: [event('registrationSuccess'), event('up'), ...attempts(...everySecond(27))] }), probe());
    expect(d.branch).toBe('registration');
    expect(d.cause).toBe('The device is up, but sends POST /r far faster than its retry timer allows: a registration storm: 27 POST /r in 26s (60/min; 27 within one minute, more than the 12 a trickle timer allows).');
    expect(d.evidence.at(-1)).toEqual({ what: 'registration attempts (NMS event log)', seen: 'registration storm: 27 POST /r in 26s (60/min; 27 within one minute, more than the 12 a trickle timer allows)' });
    expect(d.fix).toMatch(/^Check the device's registration retry timer/);
  });

  it('beside another branch it is said too, and that branch stays', async () => {
    const d = await diagnose(facts({ state: 'unheard', registrationCount: 0, reportCount: 0, events: [...attempts(...everySecond(13)).map((e) => ({ ...e, name: 'registrationRejected' as const, message: 'rejected with 4.03: unknown DeviceID' }))] }), probe());
    expect(d.branch).toBe('registration');
    expect(d.cause).toMatch(/ Also a registration storm: 13 POST \/r in 12s \(60\/min; 13 within one minute, more than the 12 a trickle timer allows\)\.$/);
  });

  it("sees the last minute's attempts even when the test's window began a few seconds ago, each attempt once", async () => {
    const before = attempts(...everySecond(20));
    const d = await diagnose(facts({ events: [event('up'), ...before.slice(-3)], recentAttempts: before }), probe());
    expect(d.branch).toBe('registration');
    expect(d.evidence.at(-1)!.seen).toBe('registration storm: 20 POST /r in 19s (60/min; 20 within one minute, more than the 12 a trickle timer allows)');
  });

  it('a healthy device is still healthy', async () => {
    expect((await diagnose(facts(), probe())).branch).toBe('healthy');
  });
});
