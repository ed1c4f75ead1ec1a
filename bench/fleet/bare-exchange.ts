/**
 * The registration exchange with nothing but its wire and its crypto: the ceiling any head-end
 * and fleet written on Node's dgram and node:crypto could reach on this machine. Meters (UDP
 * sockets on ::1) send a datagram the size of the fleet's POST /r; the NMS socket answers each
 * with the size of its 2.03, carrying a fresh ECDSA signature over the 2.03 bytes the NMS signs;
 * the meter verifies it and sends a datagram the size of its first report. No CoAP, no TLVs, no
 * state: set beside the fleet's rate, it says how much of the gap to the sign+verify bound is
 * the protocol code's and how much is Node's sockets'.
 */
import { createSocket, type Socket } from 'node:dgram';
import { sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { publicKeyFrom } from '../../harness/csmp/keys.js';
import { loadPrivateKeyPem } from '../../harness/nms/key-file.js';
import { CERT, KEY } from './keys.js';
import { signedPrefix } from './crypto-limit.js';

/** Sizes of the fleet's datagrams (bench/fleet/shard.ts, counted on its sockets): POST /r, signed 2.03, first report. */
const SIZES = { registration: 731, response: 130, report: 73 } as const;
const METERS = 64;
const WINDOW = 32;

export interface BareRate {
  exchangesPerSec: number;
}

export async function bareExchange(count: number): Promise<BareRate> {
  const key = await loadPrivateKeyPem(KEY);
  const pub = publicKeyFrom(readFileSync(CERT, 'utf8'));
  const prefix = await signedPrefix();
  const nms = await bound();
  const meters: Socket[] = [];
  try {
    for (let i = 0; i < METERS; i++) meters.push(await bound());
    const nmsPort = nms.address().port;
    const registration = Buffer.alloc(SIZES.registration, 0x42);
    const report = Buffer.alloc(SIZES.report, 0x52);
    let sent = 0;
    let done = 0;
    let bad = 0;
    const t0 = performance.now();
    let deadline: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve, reject) => {
      // A datagram lost on the loopback would stall its meter: bounded, and said.
      deadline = setTimeout(() => reject(new Error(`bare exchange: ${count - done} of ${count} exchanges unanswered after 60 s`)), 60_000);
      nms.on('message', (m, from) => {
        if (m.length !== SIZES.registration) return;
        const der = sign('sha256', prefix, { key, dsaEncoding: 'der' });
        const answer = Buffer.alloc(SIZES.response);
        answer[0] = der.length;
        der.copy(answer, 1);
        nms.send(answer, from.port, '::1');
      });
      for (const meter of meters) {
        meter.on('message', (m) => {
          if (!verify('sha256', prefix, { key: pub, dsaEncoding: 'der' }, m.subarray(1, 1 + m[0]!))) bad++;
          meter.send(report, nmsPort, '::1');
          done++;
          if (done === count) resolve();
          else if (sent < count) {
            sent++;
            meter.send(registration, nmsPort, '::1');
          }
        });
      }
      for (let i = 0; i < Math.min(WINDOW, count); i++, sent++) meters[i % METERS]!.send(registration, nmsPort, '::1');
    }).finally(() => clearTimeout(deadline));
    const seconds = (performance.now() - t0) / 1000;
    if (bad !== 0) throw new Error(`bare exchange: ${bad} signatures did not verify`);
    return { exchangesPerSec: count / seconds };
  } finally {
    await Promise.all([nms, ...meters].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function bound(): Promise<Socket> {
  const s = createSocket({ type: 'udp6', ipv6Only: true });
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind({ address: '::1', port: 0 }, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}
