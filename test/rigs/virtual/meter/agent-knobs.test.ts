import { AgentBench, fields, isPost, keys } from '../support/agent-bench.js';
import { signed, tlvBytes } from '../support/nms-signer.js';

const rs = (interval = 900, ids = ['22']) => ({ type: 13, fields: { interval, tlvid: ids } });

/** Boots, answers the first /r with `body`, returns what came back. */
function register(b: AgentBench, body: Uint8Array, code = '2.03') {
  b.agent.boot();
  const reg = b.until(isPost('r'));
  b.out.length = 0;
  b.reply({ type: 'ACK', code, messageId: reg.msg.messageId, payload: body });
  return reg;
}

const notification = (b: AgentBench) => {
  const n = b.take((m) => m.code === '0.02' && m.uriPath[0] === 'c' && fields(m.payload).some((t) => t.type === 44));
  return n ? fields(n.msg.payload).find((t) => t.type === 44)!.value : undefined;
};

describe('device knobs the troubleshooting branches need', () => {
  test('skewed clock: signed 2.03 rejected (sigBadValidity, regFails, notification 2), stays registering; signed CON POST 4.01', () => {
    const b = new AgentBench();
    const nmsNow = b.nowSec();
    b.time.setWall(b.time.now() - 2 * 3600 * 1000); // device clock 2 h behind
    register(b, signed(tlvBytes([rs()]), keys().privateKey, nmsNow));
    expect(b.agent.state).toBe('registering');
    expect([b.stat('sigBadValidity'), b.stat('regFails'), b.stat('sigOk')]).toEqual([1, 1, 0]);
    expect(notification(b)).toEqual({ code: 2 });
    const again = b.until(isPost('r'));
    const posix = fields(again.msg.payload)[1]!.value!['posix'] as number;
    expect(nmsNow - posix).toBeGreaterThan(7000);
    const ack = b.request({ type: 'CON', code: '0.02', messageId: 9, uriPath: ['c'], payload: signed(tlvBytes([{ type: 55, fields: { type: 1, id: 5 } }]), keys().privateKey, nmsNow) })!;
    expect(ack.code).toBe('4.01');
    expect(b.stat('sigBadValidity')).toBe(2);
  });

  test('lost RTC: /r goes without CurrentTime, a signed 2.03 counts sigNoSync, GET 18 is 4.00', () => {
    const b = new AgentBench();
    const nmsNow = b.nowSec();
    b.time.unreadable = true;
    b.agent.boot();
    const reg = b.until(isPost('r'));
    expect(fields(reg.msg.payload).some((t) => t.type === 18)).toBe(false);
    b.reply({ type: 'ACK', code: '2.03', messageId: reg.msg.messageId, payload: signed(tlvBytes([rs()]), keys().privateKey, nmsNow) });
    expect([b.stat('sigNoSync'), b.stat('regFails')]).toEqual([1, 1]);
    expect(b.request({ type: 'CON', code: '0.01', messageId: 5, uriPath: ['c', '18'] })!.code).toBe('4.00');
  });

  test('damaged NMS certificate: NMSCertValid false while SSID is present; signatures fail sigBadAuth', () => {
    const b = new AgentBench({ settings: { nms: { valid: false } } });
    register(b, signed(tlvBytes([rs()]), keys().privateKey, b.nowSec()));
    expect(b.stat('sigBadAuth')).toBe(1);
    expect(fields(encodeOne(b, 43))[0]!.value!['NMSCertValid']).toBe(false);
    expect(new TextDecoder().decode(wpan(b)['SSID'] as Uint8Array)).toBe('CRDC');
  });

  test('corrupted flash: SSID, NMSCertValid and groups come back absent, the meter still answers', () => {
    const b = new AgentBench({ settings: { groups: { firmware: 243 } } });
    b.platform.corrupted = true;
    b.agent.boot();
    expect(wpan(b)['SSID']).toBeUndefined();
    expect(wpan(b)['panid']).toBeUndefined();
    const status = fields(encodeOne(b, 43))[0]!.value!;
    expect('NMSCertValid' in status).toBe(false);
    expect(status['registered']).toBe(false);
    expect(b.agent.read(58)).toEqual([]);
  });

  test('demo mode shows as WPANStatus.demoModeEnabled', () => {
    const b = new AgentBench({ settings: { demoMode: true } });
    b.agent.boot();
    expect(wpan(b)['demoModeEnabled']).toBe(true);
    const healthy = new AgentBench();
    healthy.agent.boot();
    expect('demoModeEnabled' in wpan(healthy)).toBe(false);
  });

  test('firmware group mismatch: /r carries GroupInfo 243; GroupAssign 317 in the 2.03 moves it; the next /r shows 317', () => {
    const b = new AgentBench({ settings: { groups: { firmware: 243 } } });
    b.agent.boot();
    const reg = b.until(isPost('r'));
    expect(fields(reg.msg.payload).filter((t) => t.type === 58).map((t) => t.value)).toEqual([{ type: 2, id: 243 }]);
    b.reply({
      type: 'ACK',
      code: '2.03',
      messageId: reg.msg.messageId,
      payload: signed(tlvBytes([rs(), { type: 55, fields: { type: 2, id: 317 } }]), keys().privateKey, b.nowSec()),
    });
    expect(b.agent.state).toBe('registered');
    expect(fields(encodeOne(b, 58))[0]!.value).toEqual({ type: 2, id: 317 });
    b.agent.reboot();
    const again = b.until(isPost('r'));
    expect(fields(again.msg.payload).filter((t) => t.type === 58).map((t) => t.value)).toEqual([{ type: 2, id: 317 }]);
  });

  test('non-2.xx replies: while registering regFails + notification 1; while registered nmsErrors and re-registration (reason 6)', () => {
    const b = new AgentBench();
    b.agent.boot();
    b.until(isPost('r'));
    b.reply({ type: 'ACK', code: '0.00', messageId: 0 });
    expect(b.stat('regFails')).toBe(1);
    expect(notification(b)).toEqual({ code: 1 });
    const reg = b.until(isPost('r'));
    b.reply({ type: 'ACK', code: '2.03', messageId: reg.msg.messageId, payload: signed(tlvBytes([rs()]), keys().privateKey, b.nowSec()) });
    expect(b.agent.state).toBe('registered');
    b.out.length = 0;
    b.reply({ type: 'RST', code: '0.00', messageId: 77 });
    expect(b.stat('nmsErrors')).toBe(1);
    expect(b.agent.state).toBe('registering');
    expect(fields(encodeOne(b, 43))[0]!.value!['lastRegReason']).toBe(6);
    b.until(isPost('r'));
    // A reply with a token is not the agent's: dropped silently.
    b.agent.receive({ src: 'fd00::1', srcPort: 61628, dst: 'fd00::101', dstPort: b.agent.clientPort, payload: Uint8Array.from([0x61, 0x80, 0, 1, 9]) });
    expect(b.stat('regFails')).toBe(1);
  });

  test('registration responses the agent cannot apply: empty, unsupported TLV, unsigned', () => {
    const b = new AgentBench();
    register(b, new Uint8Array(0));
    expect([b.stat('regFails'), b.agent.state]).toEqual([1, 'registering']);
    expect(notification(b)).toEqual({ code: 2 });
    const reg = b.until(isPost('r'));
    b.reply({ type: 'ACK', code: '2.03', messageId: reg.msg.messageId, payload: signed(tlvBytes([rs(), { type: 42, fields: { regIntervalMin: 5 } }]), keys().privateKey, b.nowSec()) });
    expect([b.stat('regFails'), b.stat('sigOk')]).toEqual([2, 1]);
    const reg2 = b.until(isPost('r'));
    b.reply({ type: 'ACK', code: '2.03', messageId: reg2.msg.messageId, payload: tlvBytes([rs()]) });
    expect(b.stat('regFails')).toBe(3);
    expect(b.agent.state).toBe('registering');
  });

  test('a healthy meter survives a 2.03 leaving interval 0 (registered, no reports) and a DescriptionRequest in a 2.03', () => {
    const b = new AgentBench();
    register(b, signed(tlvBytes([{ type: 7, fields: { id: '1' } }]), keys().privateKey, b.nowSec()));
    expect(b.agent.state).toBe('registered');
    b.out.length = 0;
    b.time.advance(100_000);
    expect(b.out).toEqual([]);
    expect(b.request({ type: 'CON', code: '0.01', messageId: 1, uriPath: ['c', '2'] })!.code).toBe('2.05');
    b.agent.shutdown();
    register(b, signed(tlvBytes([rs(), { type: 8, fields: { tlvid: ['22'] } }]), keys().privateKey, b.nowSec()));
    expect([b.agent.state, b.agent.crash]).toEqual(['registered', undefined]);
  });

  test('the reference agent (fault models) crashes: 2.03 leaving interval 0 (SIGFPE), DescriptionRequest in a 2.03 (SIGSEGV); power cycle recovers', () => {
    const b = new AgentBench({ faults: ['crash-on-report-interval-0', 'crash-on-description-in-203'] });
    register(b, signed(tlvBytes([{ type: 7, fields: { id: '1' } }]), keys().privateKey, b.nowSec()));
    expect(b.agent.state).toBe('crashed');
    expect(b.agent.crash?.signal).toBe('SIGFPE');
    b.out.length = 0;
    b.time.advance(100_000);
    expect(b.request({ type: 'CON', code: '0.01', messageId: 1, uriPath: ['c'] })).toBeUndefined();
    b.agent.shutdown();
    register(b, signed(tlvBytes([rs(), { type: 8, fields: { tlvid: ['22'] } }]), keys().privateKey, b.nowSec()));
    expect(b.agent.crash?.signal).toBe('SIGSEGV');
    b.agent.shutdown();
    b.agent.boot();
    expect(b.agent.state).toBe('registering');
    b.until(isPost('r'));
  });

  test('RebootRequest: 2.01, reboot 2-8 s later, SessionID and subscription cleared, registers again', () => {
    const b = new AgentBench();
    register(b, signed(tlvBytes([rs(), { type: 7, fields: { id: 'S1' } }]), keys().privateKey, b.nowSec()));
    expect(b.agent.state).toBe('registered');
    const ack = b.request({ type: 'CON', code: '0.02', messageId: 3, uriPath: ['c'], payload: signed(tlvBytes([{ type: 32, fields: { flag: 0 } }]), keys().privateKey, b.nowSec()) })!;
    expect(ack.code).toBe('2.01');
    const states: string[] = [];
    b.agent.on('state', (s) => states.push(s.to));
    b.time.advance(9000);
    expect(states).toEqual(['off', 'registering']);
    expect(b.agent.read(7)).toEqual([]);
    expect(fields(encodeOne(b, 13))[0]!.value).toEqual({ interval: 0 });
    expect(fields(encodeOne(b, 43))[0]!.value!['lastRegReason']).toBe(2);
    expect(b.request({ type: 'CON', code: '0.02', messageId: 4, uriPath: ['c'], payload: signed(tlvBytes([{ type: 32, fields: { flag: 1 } }]), keys().privateKey, b.nowSec()) })!.code).toBe('4.04');
  });
});

function encodeOne(b: AgentBench, type: number): Uint8Array {
  const ack = b.request({ type: 'CON', code: '0.01', messageId: 0x7000 + type, uriPath: ['c', String(type)] })!;
  return ack.payload;
}

function wpan(b: AgentBench): Record<string, unknown> {
  return fields(encodeOne(b, 35))[0]!.value!;
}
