import { decodeTlvs } from '../../../../harness/csmp/tlv.js';
import { expectDecodeError } from '../../../support/errors.js';
import { FAULTS } from '../../../../rigs/virtual/meter/faults.js';
import { mutateSignatureValue, type DerMutation } from '../../../../harness/csmp/der-mutation.js';
import { AgentBench, fields, isPost, keys, NMS, type BenchOptions } from '../support/agent-bench.js';
import { signed, tlvBytes } from '../support/nms-signer.js';

const assign = (id: number) => tlvBytes([{ type: 55, fields: { type: 2, id } }]);
const rs = tlvBytes([{ type: 13, fields: { interval: 900, tlvid: ['22'] } }]);

function booted(o: BenchOptions): AgentBench {
  const b = new AgentBench(o);
  b.agent.boot();
  return b;
}
function post(b: AgentBench, payload: Uint8Array, mid = 1) {
  return b.request({ type: 'CON', code: '0.02', messageId: mid, uriPath: ['c'], payload })!;
}
function group(b: AgentBench): unknown {
  return fields(b.request({ type: 'CON', code: '0.01', messageId: 99, uriPath: ['c', '58'] })!.payload).map((t) => t.value);
}
function registerWith(b: AgentBench, body: Uint8Array, code = '2.03') {
  b.agent.boot();
  const reg = b.until(isPost('r'));
  b.out.length = 0;
  b.reply({ type: 'ACK', code, messageId: reg.msg.messageId, payload: body });
}

describe('faulty device models behave as named', () => {
  test('every model is documented', () => {
    expect(Object.keys(FAULTS).sort()).toEqual(
      [
        'accept-bad-signature',
        'accept-unsigned-post',
        'accepts-bad-hash',
        'accepts-wrong-hardware',
        'apply-after-signature',
        'crashes-without-hwinfo',
        'demo-mode-sticky',
        'give-up-registration',
        'drop-every-nth',
        'ignore-group-assign',
        'ignore-signature-validity',
        'ignores-cancel-load',
        'ignores-report-interval',
        'loads-at-wrong-time',
        'loses-upload-slot-on-power-loss',
        'malformed-tlvs',
        'no-fallback-when-image-fails',
        'no-reregister-after-4xx',
        'reply-from-wrong-address',
        'reply-to-nms-address',
        'reply-to-nms-host',
        'report-cert-valid',
        'reports-old-version-after-load',
        'retries-once-after-4xx',
        'sticky-group-match',
        'ignore-group-match',
        'accept-expired-signature',
        'accept-future-signature',
        'accept-malformed-der',
        'signature-values-reduced-mod-n',
        'accept-replay',
        'register-on-wrong-key',
        'stop-registering-on-bad-signature',
        'registration-storm',
        'crash-on-description-in-203',
        'crash-on-report-interval-0',
        'reboot-on-oversized-datagram',
        'hang-on-slip-garbage',
        'reset-stats-on-unknown-tlv',
        'reboot-loop',
        'tears-last-block-at-power-loss',
        'backup-accepts-bad-hash',
        'cancelled-load-runs-at-next-boot',
        'not-before-leeway',
        'applies-post-without-validity',
        'keeps-registering-when-registered',
      ].sort(),
    );
  });

  test('accept-unsigned-post: an unsigned POST is applied (healthy: 4.03)', () => {
    const b = booted({ faults: ['accept-unsigned-post'] });
    expect(post(b, assign(317)).code).toBe('2.01');
    expect(group(b)).toEqual([{ type: 2, id: 317 }]);
  });

  test('ignore-signature-validity: a skewed clock does not stop registration', () => {
    const b = new AgentBench({ faults: ['ignore-signature-validity'] });
    const nmsNow = b.nowSec();
    b.time.setWall(b.time.now() - 5 * 3600 * 1000);
    registerWith(b, signed(rs, keys().privateKey, nmsNow));
    expect(b.agent.state).toBe('registered');
    expect([b.stat('sigOk'), b.stat('sigBadValidity')]).toEqual([1, 0]);
  });

  test('accept-bad-signature: an altered message verifies', () => {
    const b = booted({ faults: ['accept-bad-signature'] });
    const p = signed(assign(317), keys().privateKey, b.nowSec());
    p[5] = 0xbe; // GroupAssign id 317 → 318: still well-formed, no longer what was signed
    expect(post(b, p).code).toBe('2.01');
    expect(b.stat('sigOk')).toBe(1);
    expect(b.stat('sigBadAuth')).toBe(0);
  });

  test('signature-values-reduced-mod-n: the genuine signature with r + n or s + n verifies (healthy: 4.01, sigBadAuth)', () => {
    const mutated = (b: AgentBench, kind: DerMutation) => signed(assign(317), keys().privateKey, b.nowSec(), { alter: (v) => mutateSignatureValue(v, kind) });
    for (const kind of ['r-at-least-n', 's-at-least-n'] as const) {
      const faulty = booted({ faults: ['signature-values-reduced-mod-n'], settings: { groups: { firmware: 243 } } });
      expect(post(faulty, mutated(faulty, kind)).code).toBe('2.01');
      expect(group(faulty)).toEqual([{ type: 2, id: 317 }]);
      expect([faulty.stat('sigOk'), faulty.stat('sigBadAuth')]).toEqual([1, 0]);
      const healthy = booted({ settings: { groups: { firmware: 243 } } });
      expect(post(healthy, mutated(healthy, kind)).code).toBe('4.01');
      expect(group(healthy)).toEqual([{ type: 2, id: 243 }]);
      expect([healthy.stat('sigOk'), healthy.stat('sigBadAuth')]).toEqual([0, 1]);
    }
    // Only the range check is missing: the DER is still read strictly, and zero is still refused.
    const faulty = booted({ faults: ['signature-values-reduced-mod-n'] });
    const codes = (['truncated', 'trailing-bytes', 'non-minimal-r', 'long-form-length', 'r-zero', 'non-minimal-s', 's-zero'] as const).map((kind) => post(faulty, mutated(faulty, kind)).code);
    expect(codes).toEqual(['4.01', '4.01', '4.01', '4.01', '4.01', '4.01', '4.01']);
    expect([faulty.stat('sigOk'), faulty.stat('sigBadAuth')]).toEqual([0, 7]);
  });

  test('report-cert-valid: NMSCertValid true although the certificate is damaged', () => {
    const b = booted({ faults: ['report-cert-valid'], settings: { nms: { valid: false } } });
    const s = fields(b.request({ type: 'CON', code: '0.01', messageId: 1, uriPath: ['c', '43'] })!.payload)[0]!.value!;
    expect(s['NMSCertValid']).toBe(true);
    expect(post(b, signed(assign(1), keys().privateKey, b.nowSec())).code).toBe('4.01');
  });

  test('ignore-group-assign: 2.01 but the group stays', () => {
    const b = booted({ faults: ['ignore-group-assign'], settings: { groups: { firmware: 243 } } });
    expect(post(b, signed(assign(317), keys().privateKey, b.nowSec())).code).toBe('2.01');
    expect(group(b)).toEqual([{ type: 2, id: 243 }]);
  });

  test('reply-to-nms-address: CON answers go to the configured NMS, not the requester', () => {
    const b = booted({ faults: ['reply-to-nms-address'], identity: { nms: { address: 'fd00::2', port: 61628 } } });
    b.out.length = 0;
    b.agent.receive({ src: NMS, srcPort: 40000, dst: 'fd00::101', dstPort: 61628, payload: Uint8Array.from([0x40, 1, 0, 5, 0xb1, 0x63]) });
    const [ack] = b.out;
    expect([ack!.dst, ack!.dstPort]).toEqual(['fd00::2', 61628]);
  });

  test('reply-to-nms-host: CON answers go to the configured NMS address, on the requester\'s port', () => {
    const b = booted({ faults: ['reply-to-nms-host'], identity: { nms: { address: 'fd00::2', port: 61628 } } });
    b.out.length = 0;
    b.agent.receive({ src: NMS, srcPort: 40000, dst: 'fd00::101', dstPort: 61628, payload: Uint8Array.from([0x40, 1, 0, 5, 0xb1, 0x63]) });
    const [ack] = b.out;
    expect([ack!.src, ack!.srcPort, ack!.dst, ack!.dstPort]).toEqual(['fd00::101', 61628, 'fd00::2', 40000]);
  });

  test('healthy meter configured with the VIP: CON answered to the requester, NON a= answered at the VIP', () => {
    const b = booted({ identity: { nms: { address: 'fd00::2', port: 61628 } } });
    b.out.length = 0;
    b.agent.receive({ src: NMS, srcPort: 40000, dst: 'fd00::101', dstPort: 61628, payload: Uint8Array.from([0x40, 1, 0, 5, 0xb1, 0x63]) });
    expect([b.out[0]!.dst, b.out[0]!.dstPort, b.out[0]!.src, b.out[0]!.srcPort]).toEqual([NMS, 40000, 'fd00::101', 61628]);
    b.request({ type: 'NON', code: '0.01', messageId: 6, uriPath: ['c', '22'], uriQuery: ['a=1'] }, NMS, 40000);
    const later = b.until(isPost('c'), 5);
    expect([later.d.dst, later.d.dstPort]).toEqual(['fd00::2', 61628]);
  });

  test('reply-from-wrong-address: the ACK leaves from the link-local address and the client port', () => {
    const b = booted({ faults: ['reply-from-wrong-address'] });
    b.out.length = 0;
    b.agent.receive({ src: NMS, srcPort: 40000, dst: 'fd00::101', dstPort: 61628, payload: Uint8Array.from([0x40, 1, 0, 5, 0xb1, 0x63]) });
    const [ack] = b.out;
    expect(ack!.src).toBe(b.agent.linkLocal);
    expect(ack!.srcPort).toBe(b.agent.clientPort);
    expect(ack!.srcPort).not.toBe(61628);
  });

  test('give-up-registration: after regAttempts unanswered POSTs to /r none follow; any answer restarts the count', () => {
    const b = new AgentBench({ faults: ['give-up-registration'], regAttempts: 2 });
    b.agent.boot();
    const first = b.until(isPost('r'));
    b.reply({ type: 'ACK', code: '5.03', messageId: first.msg.messageId });
    b.until(isPost('r'));
    b.until(isPost('r'));
    b.time.advance(3_600_000);
    expect(b.take(isPost('r'))).toBeUndefined();
    expect(b.stat('regAttempts')).toBe(3);
    expect(b.agent.state).toBe('registering');
    // A new boot tries again.
    b.agent.boot();
    b.until(isPost('r'));
    // Healthy: keeps trying for as long as it takes.
    const h = new AgentBench();
    h.agent.boot();
    for (let i = 0; i < 5; i++) h.until(isPost('r'));
  });

  test('no-reregister-after-4xx: a 4.03 to /r ends registration; once registered a 4.04 is not followed by /r', () => {
    const b = new AgentBench({ faults: ['no-reregister-after-4xx'] });
    registerWith(b, new Uint8Array(0), '4.03');
    expect(b.stat('regFails')).toBe(1);
    b.out.length = 0;
    b.time.advance(3_600_000);
    expect(b.take(isPost('r'))).toBeUndefined();

    const c = new AgentBench({ faults: ['no-reregister-after-4xx'] });
    registerWith(c, signed(rs, keys().privateKey, c.nowSec()));
    expect(c.agent.state).toBe('registered');
    c.reply({ type: 'ACK', code: '4.04', messageId: 3 });
    expect(c.stat('nmsErrors')).toBe(1);
    c.out.length = 0;
    c.time.advance(600_000);
    expect(c.take(isPost('r'))).toBeUndefined();
    // Healthy: re-registers.
    const h = new AgentBench();
    registerWith(h, signed(rs, keys().privateKey, h.nowSec()));
    h.reply({ type: 'ACK', code: '4.04', messageId: 3 });
    h.until(isPost('r'), 60);
  });

  test('drop-every-nth: every third datagram in is lost, the rest answered', () => {
    const b = booted({ faults: ['drop-every-nth'], dropEvery: 3 });
    const answered = [1, 2, 3, 4, 5, 6].map((mid) => b.request({ type: 'CON', code: '0.01', messageId: mid, uriPath: ['c', '2'] }) !== undefined);
    expect(answered).toEqual([true, true, false, true, true, false]);
  });

  test('malformed-tlvs: the last TLV of what it sends overruns the payload', () => {
    const b = booted({ faults: ['malformed-tlvs'] });
    const ack = b.request({ type: 'CON', code: '0.01', messageId: 1, uriPath: ['c', '2'] })!;
    expectDecodeError(() => decodeTlvs(ack.payload), { layer: 'tlv', code: 'truncated' });
    const reg = b.until(isPost('r'));
    expectDecodeError(() => decodeTlvs(reg.msg.payload), { layer: 'tlv', code: 'truncated' });
  });

  test('apply-after-signature: TLVs after the Signature are applied (healthy: ignored)', () => {
    const trailing = assign(999);
    const faulty = booted({ faults: ['apply-after-signature'] });
    expect(post(faulty, signed(assign(317), keys().privateKey, faulty.nowSec(), { trailing })).code).toBe('2.01');
    expect(group(faulty)).toEqual([{ type: 2, id: 999 }]);
    const healthy = booted({});
    expect(post(healthy, signed(assign(317), keys().privateKey, healthy.nowSec(), { trailing })).code).toBe('2.01');
    expect(group(healthy)).toEqual([{ type: 2, id: 317 }]);
  });
});
