import { describe, expect, it, test } from '@jest/globals';
import { DeviceStates } from '../../../harness/nms/device-state.js';
import { EventTimeoutError, NmsEvents } from '../../../harness/nms/events.js';
import { ProcessingCounters } from '../../../harness/nms/counters.js';
import { Firewall } from '../../../harness/nms/firewall.js';
import { FakeClock } from '../../support/fake-clock.js';
import { MemoryLink } from '../../support/memory-link.js';

const meter = { name: 'meter1', eui64: '0a0027fffe3b2ab2', address: 'fd00::2', port: 61628 };

function setup(missed = 3) {
  const clock = new FakeClock();
  const events = new NmsEvents(clock);
  const states = new DeviceStates(clock, events, { missedIntervalsForDown: missed });
  const rec = states.add(meter);
  return { clock, events, states, rec };
}

describe('device state machine', () => {
  it('goes unheard -> registering -> up on the first report, down after N missed intervals, up again', () => {
    const { clock, events, states, rec } = setup(3);
    const t0 = clock.now();
    expect(rec.state).toBe('unheard');
    expect(states.get('0A0027FFFE3B2AB2')).toBe(rec);

    clock.advance(1000);
    states.registering(rec, 30);
    expect(rec.state).toBe('registering');
    clock.advance(500);
    states.reportReceived(rec);
    expect(rec.state).toBe('up');
    expect(events.log.map((e) => e.name)).toEqual(['registrationSuccess', 'up']);

    // 3 intervals of 30 s: not down at 89.999 s, down at 90 s.
    clock.advance(89_999);
    expect(rec.state).toBe('up');
    clock.advance(1);
    expect(rec.state).toBe('down');
    expect(events.log.at(-1)).toMatchObject({ name: 'down', device: 'meter1', eid: '0A0027FFFE3B2AB2', severity: 'MAJOR' });

    clock.advance(10_000);
    states.reportReceived(rec);
    expect(rec.state).toBe('up');
    expect(rec.transitions.map((t) => [t.from, t.to, t.at - t0])).toEqual([
      ['unheard', 'registering', 1000],
      ['registering', 'up', 1500],
      ['up', 'down', 91_500],
      ['down', 'up', 101_500],
    ]);
    expect(events.log.map((e) => e.name)).toEqual(['registrationSuccess', 'up', 'down', 'up']);
    states.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('a report within the window keeps it up (timer re-armed)', () => {
    const { clock, states, rec } = setup(2);
    states.registering(rec, 10);
    states.reportReceived(rec);
    for (let i = 0; i < 5; i++) {
      clock.advance(19_000);
      states.reportReceived(rec);
    }
    expect(rec.state).toBe('up');
    clock.advance(20_000);
    expect(rec.state).toBe('down');
  });

  it('a new registration from up goes back to registering and cancels the down timer', () => {
    const { clock, states, rec } = setup(1);
    states.registering(rec, 10);
    states.reportReceived(rec);
    states.registering(rec, 10);
    clock.advance(60_000);
    expect(rec.state).toBe('registering');
  });

  it('waitForState resolves on the transition and rejects on clock timeout', async () => {
    const { clock, states, rec } = setup();
    const up = states.waitForState('meter1', 'up', 120_000);
    states.registering(rec, 10);
    states.reportReceived(rec);
    await expect(up).resolves.toBe(rec);
    await expect(states.waitForState('meter1', 'up', 1)).resolves.toBe(rec);
    const down = states.waitForState('meter1', 'registering', 5000);
    clock.advance(5000);
    await expect(down).rejects.toBeInstanceOf(EventTimeoutError);
    await expect(down).rejects.toThrow('state registering for meter1 (still up)');
    states.stop();
  });
});

describe('events', () => {
  it('waitFor sees past events, honours since, and times out on the clock', async () => {
    const clock = new FakeClock();
    const events = new NmsEvents(clock);
    events.record({ name: 'signatureFailure', message: 'x', device: 'meter1', eid: 'AB' });
    await expect(events.waitForEvent('signatureFailure', 60_000, { device: 'meter1' })).resolves.toMatchObject({
      eventTypeId: 1085,
      displayName: 'Invalid CSMP Signature',
      severity: 'CRITICAL',
    });
    const mark = events.mark();
    const later = events.waitForEvent('signatureFailure', 60_000, { since: mark });
    clock.advance(1000);
    events.record({ name: 'signatureFailure', message: 'y' });
    await expect(later).resolves.toMatchObject({ seq: 2, message: 'y', at: clock.now() });
    const never = events.waitForEvent('down', 60_000);
    clock.advance(60_000);
    await expect(never).rejects.toThrow('no down event within 60000 ms');
  });
});

describe('processing counters', () => {
  it('counts per local address and kind, declared addresses show zero', () => {
    const c = new ProcessingCounters();
    c.declare('fd00::1');
    c.declare('fd00::100');
    c.inbound('fd00::1', 'registration', 'meter1');
    c.inbound('fd00::1', 'report', 'meter1');
    c.inbound('fd00::100', 'asyncAnswer', 'meter1');
    c.outbound('fd00::1', 'registrationResponse');
    const s = c.snapshot();
    expect(s['fd00::1']).toMatchObject({ handled: 2, sent: 1, byDevice: { meter1: 2 } });
    expect(s['fd00::1']!.inbound).toMatchObject({ registration: 1, report: 1 });
    expect(s['fd00::100']).toMatchObject({ handled: 1, inbound: { asyncAnswer: 1 } });
    c.reset();
    expect(c.get('fd00::1').handled).toBe(0);
  });
});

describe('firewall', () => {
  const d = (dstPort: number) => ({ src: 'fd00::2', dst: 'fd00::1', srcPort: 5000, dstPort, payload: new Uint8Array(4) });
  it('csmp-port scope drops only datagrams to the CSMP port; outbound drop counts', () => {
    const fw = new Firewall(61628);
    expect(fw.admitInbound(d(61628))).toBe(true);
    fw.dropInbound();
    expect(fw.admitInbound(d(61628))).toBe(false);
    expect(fw.admitInbound(d(62590))).toBe(true);
    fw.dropInbound('all');
    expect(fw.admitInbound(d(62590))).toBe(false);
    fw.dropOutbound();
    expect(fw.admitOutbound(d(61628))).toBe(false);
    expect(fw.state).toEqual({ inbound: 'all', outbound: true, droppedInbound: 2, droppedOutbound: 1, droppedFrom: { 'fd00::2': 2 } });
    fw.clear();
    expect(fw.admitInbound(d(61628))).toBe(true);
    fw.resetCounts();
    expect(fw.state.droppedInbound).toBe(0);
  });
});

describe('per-device firewall rules', () => {
  test('drops only the blocked device, counts in the NMS firewall shape, and opens again', async () => {
    const [nmsSide, meshSide] = MemoryLink.pair();
    const fw = new Firewall(61628);
    const seen: string[] = [];
    const wrapped = fw.wrap(nmsSide);
    wrapped.on('datagram', (d) => seen.push(`${d.src}>${d.dstPort}`));
    const from = (src: string, dstPort: number) => meshSide.send({ src, dst: 'fd00::1', srcPort: 40000, dstPort, payload: new Uint8Array(4) });
    fw.dropInbound('csmp-port', 'fd00:77:0::101');
    from('fd00:77::101', 61628); // a report: dropped
    from('fd00:77::101', 62590); // an answer to the NMS's own request: passes (stateful firewall)
    from('fd00:77::102', 61628); // another meter: passes
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['fd00:77::101>62590', 'fd00:77::102>61628']);
    expect(fw.stateFor('fd00:77::101')).toEqual({
      inbound: 'csmp-port',
      outbound: false,
      droppedInbound: 1,
      droppedOutbound: 0,
      droppedFrom: { 'fd00:77::101': 1 },
    });
    fw.dropOutbound('fd00:77::102');
    wrapped.send({ src: 'fd00::1', dst: 'fd00:77::102', srcPort: 62590, dstPort: 61628, payload: new Uint8Array(1) });
    wrapped.send({ src: 'fd00::1', dst: 'fd00:77::101', srcPort: 62590, dstPort: 61628, payload: new Uint8Array(1) });
    expect(nmsSide.sent.map((d) => d.dst)).toEqual(['fd00:77::101']);
    expect(fw.state).toMatchObject({ inbound: false, outbound: false, droppedInbound: 1, droppedOutbound: 1 });
    fw.clear('fd00:77::101');
    expect(fw.stateFor('fd00:77::101')).toMatchObject({ inbound: false, outbound: false });
    expect(fw.stateFor('fd00:77::102')).toMatchObject({ inbound: false, outbound: true, droppedOutbound: 1 });
    expect(fw.stateFor('fd00:77::101').droppedInbound).toBe(1);
    fw.resetCounts('fd00:77::101');
    expect(fw.stateFor('fd00:77::101').droppedInbound).toBe(0);
  });
});

describe('a device heard without a registration this NMS answered (as found)', () => {
  function asFound(subscribed: number | undefined) {
    const clock = new FakeClock();
    const events = new NmsEvents(clock);
    const states = new DeviceStates(clock, events, { missedIntervalsForDown: 3, subscribedIntervalS: () => subscribed });
    const rec = states.add(meter);
    return { clock, events, states, rec };
  }

  it('is up on its first report and down after three of the intervals the NMS would subscribe', () => {
    const { clock, events, states, rec } = asFound(60);
    states.reportReceived(rec);
    expect(rec.state).toBe('up');
    expect(rec.reportIntervalS).toBe(60);
    expect(rec.reportIntervalSource).toBe('nms-setting');
    expect(rec.transitions[0]!.reason).toBe('report received from a device registered before this NMS started');
    clock.advance(179_999);
    expect(rec.state).toBe('up');
    clock.advance(1);
    expect(rec.state).toBe('down');
    expect(events.log.map((e) => e.name)).toEqual(['up', 'down']);
    expect(events.log[1]!.details).toMatchObject({ reportIntervalS: 60, reportIntervalSource: 'nms-setting' });
    states.stop();
  });

  it('the interval read from the device replaces the assumed one, counted from the last report', () => {
    const { clock, states, rec } = asFound(60);
    states.reportReceived(rec);
    clock.advance(10_000);
    states.learnedInterval(rec, 20);
    expect(rec.reportIntervalSource).toBe('device');
    // Down at 3 x 20 s after the report, not after the GET.
    clock.advance(49_999);
    expect(rec.state).toBe('up');
    clock.advance(1);
    expect(rec.state).toBe('down');
    states.stop();
  });

  it('a registration we answered is not overridden by a read interval', () => {
    const { states, rec } = asFound(60);
    states.registering(rec, 30);
    states.reportReceived(rec);
    states.learnedInterval(rec, 90);
    expect([rec.reportIntervalS, rec.reportIntervalSource]).toEqual([30, 'registration']);
    states.stop();
  });

  it('an answered probe marks an unheard device up at once and arms Down', () => {
    const { clock, events, states, rec } = asFound(60);
    states.answered(rec, 'GET ReportSubscribe (TLV 13)');
    expect(rec.state).toBe('up');
    expect(rec.transitions.map((t) => [t.from, t.to, t.reason])).toEqual([['unheard', 'up', 'answered GET ReportSubscribe (TLV 13)']]);
    expect(events.log.map((e) => e.name)).toEqual(['up']);
    clock.advance(180_000);
    expect(rec.state).toBe('down');
    states.stop();
  });

  it('without any interval known, Down is never armed (and no timer is left behind)', () => {
    const { clock, states, rec } = asFound(undefined);
    states.reportReceived(rec);
    expect(rec.reportIntervalSource).toBeUndefined();
    expect(clock.pendingTimers).toBe(0);
  });
});
