/**
 * The registration exchange with nothing but its wire and its crypto: the ceiling any head-end
 * and fleet written on Node's dgram and node:crypto could reach on this machine. Each meter sends
 * a datagram the size of the fleet's POST /r; the NMS answers with one the size of its 2.03,
 * carrying a fresh ECDSA signature over the bytes the NMS signs; the meter verifies it and sends
 * one the size of its first report. No CoAP, no TLVs, no state.
 */
import { sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { publicKeyFrom } from '../../harness/csmp/keys.js';
import { loadPrivateKeyPem } from '../../harness/nms/key-file.js';
import { CERT, KEY } from './keys.js';
import { signedPrefix } from './crypto-limit.js';
import { exchangesPerSec } from './exchange-loop.js';

/** Sizes of the fleet's datagrams (bench/fleet/shard.ts, counted on its sockets): POST /r, signed 2.03, first report. */
const SIZES = { registration: 731, response: 130, report: 73 } as const;

export async function bareExchange(count: number): Promise<number> {
  const key = await loadPrivateKeyPem(KEY);
  const pub = publicKeyFrom(readFileSync(CERT, 'utf8'));
  const prefix = await signedPrefix();
  const registration = Buffer.alloc(SIZES.registration, 0x42);
  const report = Buffer.alloc(SIZES.report, 0x52);
  return exchangesPerSec('bare exchange', count, {
    request: () => registration,
    answer: (m) => {
      if (m.length !== SIZES.registration) return undefined;
      const der = sign('sha256', prefix, { key, dsaEncoding: 'der' });
      const answer = Buffer.alloc(SIZES.response);
      answer[0] = der.length;
      der.copy(answer, 1);
      return answer;
    },
    accept: (_, m) => (verify('sha256', prefix, { key: pub, dsaEncoding: 'der' }, m.subarray(1, 1 + m[0]!)) ? report : new Error('signature does not verify')),
  });
}
