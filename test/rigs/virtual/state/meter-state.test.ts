import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { ConfigError } from '../../../../core/errors.js';
import { emitMeterState, parseMeterState, type MeterState } from '../../../../rigs/virtual/state/meter-state.js';
import { thrown } from '../../../support/errors.js';

const FILE = '/lab/.hil-state/kept/meter-2.json';

const hex = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((b) => Buffer.from(b).toString('hex'));

const stateArb: fc.Arbitrary<MeterState> = fc
  .record({
    savedAt: fc.double({ min: 0, max: 4e12, noNaN: true }),
    meter: fc.record({
      eui64: hex(8, 8),
      address: fc.ipV6(),
      faults: fc.array(fc.string()),
      faultOptions: fc.dictionary(fc.constantFrom('dropEvery', 'regAttempts'), fc.nat()),
    }),
    nmsKey: hex(32, 32),
    powered: fc.boolean(),
    // JSON has no -0.
    clockOffsetMs: fc.double({ min: -1e12, max: 1e12, noNaN: true }).map((v) => v + 0),
    sessionId: hex(1, 32),
    report: fc.record({ intervalS: fc.nat(), ids: fc.array(fc.string({ maxLength: 12 }), { maxLength: 15 }), nextInS: fc.nat() }, { requiredKeys: ['intervalS', 'ids'] }),
    signatureSettings: fc.dictionary(fc.constantFrom('reqSignedPost', 'reqSignedResp', 'cert'), fc.oneof(fc.boolean(), hex(0, 64).map((h) => ({ hex: h })))),
    kind: fc.constantFrom('registered', 'registering', 'crashed', 'off'),
    crash: fc.record({ signal: fc.constantFrom('SIGFPE' as const, 'SIGSEGV' as const, 'no-bootable-image' as const), reason: fc.string() }),
  })
  .map(({ kind, crash, sessionId, report, signatureSettings, ...rest }) => {
    const s: MeterState = { ...rest, agent: kind as MeterState['agent'] };
    if (kind === 'crashed') s.crash = crash;
    if (kind === 'registered') Object.assign(s, { sessionId, report, signatureSettings });
    return s;
  });

const good = (): Record<string, unknown> => JSON.parse(emitMeterState({
  savedAt: 1_716_840_000_000,
  meter: { eui64: '00173bfffe000002', address: 'fd00:77::102', faults: ['report-cert-valid'], faultOptions: {} },
  nmsKey: 'ab'.repeat(32),
  powered: true,
  agent: 'registered',
  sessionId: '31',
  report: { intervalS: 60, ids: ['22'], nextInS: 41 },
  clockOffsetMs: -7_200_000,
})) as Record<string, unknown>;

function messageOf(o: unknown): string {
  const e = thrown(() => parseMeterState(typeof o === 'string' ? o : JSON.stringify(o), FILE));
  expect(e).toBeInstanceOf(ConfigError);
  return (e as ConfigError).message;
}

describe('meter state file', () => {
  test('round trip: what is written reads back equal', () => {
    fc.assert(fc.property(stateArb, (s) => expect(parseMeterState(emitMeterState(s), FILE)).toEqual(s)));
  });

  test('any text: a state or a ConfigError naming the file, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), stateArb.map((s) => emitMeterState(s).replace(/[0-9a-f]/, 'z'))), (text) => {
        try {
          parseMeterState(text, FILE);
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError);
          expect((e as ConfigError).message.startsWith(FILE)).toBe(true);
        }
      }),
    );
  });

  test('damaged files: the message names the file and the field', () => {
    expect(messageOf('{"format": "csmp-hil-virtual-meter-state", ')).toMatch(/^\/lab\/\.hil-state\/kept\/meter-2\.json: not JSON \(/);
    expect(messageOf([])).toBe(`${FILE}: (top): not an object`);
    expect(messageOf({ ...good(), format: 'other' })).toBe(`${FILE}: format: expected 'csmp-hil-virtual-meter-state', got "other"`);
    expect(messageOf({ ...good(), version: 2 })).toBe(`${FILE}: version: expected 1, got 2`);
    expect(messageOf({ ...good(), powered: 'yes' })).toBe(`${FILE}: powered: expected true or false, got "yes"`);
    expect(messageOf({ ...good(), agent: 'asleep' })).toBe(`${FILE}: agent: expected one of registered, registering, crashed, off, got "asleep"`);
    expect(messageOf({ ...good(), nmsKey: 'abc' })).toBe(`${FILE}: nmsKey: "abc" does not match ^[0-9a-f]{64}$`);
    expect(messageOf({ ...good(), meter: { ...(good()['meter'] as object), eui64: 12 } })).toBe(`${FILE}: meter.eui64: expected a string, got 12`);
    expect(messageOf({ ...good(), report: { intervalS: 1.5, ids: [] } })).toBe(`${FILE}: report.intervalS: expected a whole number, got 1.5`);
    expect(messageOf({ ...good(), report: { intervalS: 60, ids: ['22', 7] } })).toBe(`${FILE}: report.ids[1]: expected a string, got 7`);
    expect(messageOf({ ...good(), clockOffsetMs: null })).toBe(`${FILE}: clockOffsetMs: expected a number, got null`);
    const { sessionId: _s, ...noSession } = good();
    expect(messageOf(noSession)).toBe(`${FILE}: sessionId: missing (the agent was saved registered)`);
    expect(messageOf({ ...good(), agent: 'crashed' })).toBe(`${FILE}: crash: missing (the agent was saved crashed)`);
    expect(messageOf({ ...good(), crash: { signal: 'SIGKILL', reason: 'x' } })).toBe(`${FILE}: crash.signal: expected one of SIGFPE, SIGSEGV, no-bootable-image, hang, got "SIGKILL"`);
    expect(messageOf({ ...good(), signatureSettings: { cert: { hex: 'xyz' } } })).toBe(`${FILE}: signatureSettings.cert.hex: "xyz" does not match ^([0-9a-f]{2})*$`);
  });
});
