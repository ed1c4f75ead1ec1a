import { describe, expect, it } from '@jest/globals';
import { diagnose } from '../../../../harness/nms/diagnosis/diagnose.js';
import { rebootLoop, unaskedBoots } from '../../../../harness/nms/diagnosis/reboot-loop.js';
import type { NmsEvent } from '../../../../harness/nms/events.js';
import { event, facts, probe } from './scripted-facts.js';

let seq = 0;
const at = (name: NmsEvent['name'], ms: number): NmsEvent => ({ ...event(name), at: ms, seq: ++seq });
/** A boot at each clock ms: its /r answered 2.03 at +8 s, its first report at +9 s. */
const boots = (...ms: number[]): NmsEvent[] => ms.flatMap((t) => [at('registrationRequest', t + 8_000), at('registrationSuccess', t + 9_000)]);

describe('rebootLoop', () => {
  it('names a device that comes back as new every 30 s, counting from the registration before the first reset', () => {
    expect(rebootLoop(boots(0, 30_000, 60_000, 90_000), [])).toBe(
      'reboot loop: 3 boots in 90 s (each a new registration after a completed one, and no power cycle, console reboot or load asked for; about every 30 s)',
    );
  });

  it('says nothing of one reset (a load, a RebootRequest) nor of boots the harness asked for', () => {
    expect(rebootLoop(boots(0, 30_000), [])).toBeUndefined();
    expect(rebootLoop(boots(0, 30_000, 60_000, 90_000), [29_000, 59_000, 89_000])).toBeUndefined();
    // Two of three asked for: the one left is no loop.
    expect(unaskedBoots(boots(0, 30_000, 60_000, 90_000), [29_000, 89_000]).boots).toEqual([68_000]);
  });

  it('a device still trying to register (2.03 after 2.03, no report between) is no loop', () => {
    const refusing = [0, 10_000, 30_000, 70_000, 150_000].map((t) => at('registrationRequest', t));
    expect(rebootLoop(refusing, [])).toBeUndefined();
  });

  it('boots spread wider than the 10-minute window are no loop', () => {
    expect(rebootLoop(boots(0, 700_000, 1_400_000), [])).toBeUndefined();
    expect(rebootLoop(boots(0, 700_000, 1_000_000), [])).toMatch(/^reboot loop: 2 boots in 1000 s /);
  });
});

describe('the diagnosis names a reboot loop', () => {
  it('a device that passes every check but keeps rebooting lands in the registration branch on that evidence', async () => {
    const d = await diagnose(facts({ events: [event('up'), ...boots(0, 30_000, 60_000)], restarts: [] }), probe());
    expect(d.branch).toBe('registration');
    expect(d.cause).toBe(
      'The device answers, but keeps rebooting on its own: a reboot loop: 2 boots in 60 s (each a new registration after a completed one, and no power cycle, console reboot or load asked for; about every 30 s).',
    );
    expect(d.evidence.at(-1)).toEqual({
      what: 'registrations (NMS event log)',
      seen: 'reboot loop: 2 boots in 60 s (each a new registration after a completed one, and no power cycle, console reboot or load asked for; about every 30 s)',
    });
    expect(d.fix).toMatch(/^Read the device's console log across a reset/);
  });

  it('the same registrations after power cycles the harness asked for: healthy', async () => {
    expect((await diagnose(facts({ events: boots(0, 30_000, 60_000), restarts: [29_000, 59_000] }), probe())).branch).toBe('healthy');
  });
});

describe('a storm is no reboot loop', () => {
  it('a /r every second, each answered and followed by a report, is said as a storm (storm.ts), not a loop', () => {
    const storm = Array.from({ length: 20 }, (_, i) => boots(i * 1000)).flat();
    expect(rebootLoop(storm, [])).toBeUndefined();
  });
});
