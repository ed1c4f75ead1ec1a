/** pcapng built by hand, block by block, for tests of the rarer parts of the format. */
import { FRAME5 } from './helpers.js';

/** One pcapng block: type, body padded to 32 bits, total length before and after. */
export function block(type: number, body: Uint8Array, le = true): Buffer {
  const padded = Buffer.alloc((body.length + 3) & ~3);
  padded.set(body);
  const total = 12 + padded.length;
  const head = Buffer.alloc(8);
  const tail = Buffer.alloc(4);
  if (le) {
    head.writeUInt32LE(type >>> 0, 0);
    head.writeUInt32LE(total, 4);
    tail.writeUInt32LE(total, 0);
  } else {
    head.writeUInt32BE(type >>> 0, 0);
    head.writeUInt32BE(total, 4);
    tail.writeUInt32BE(total, 0);
  }
  return Buffer.concat([head, padded, tail]);
}

export function u(bytes: number, value: number | bigint, le: boolean): Buffer {
  const b = Buffer.alloc(bytes);
  if (bytes === 2) le ? b.writeUInt16LE(Number(value)) : b.writeUInt16BE(Number(value));
  else if (bytes === 4) le ? b.writeUInt32LE(Number(value)) : b.writeUInt32BE(Number(value));
  else le ? b.writeBigInt64LE(BigInt(value)) : b.writeBigInt64BE(BigInt(value));
  return b;
}

export function option(code: number, value: Buffer, le: boolean): Buffer {
  const padded = Buffer.alloc((value.length + 3) & ~3);
  padded.set(value);
  return Buffer.concat([u(2, code, le), u(2, value.length, le), padded]);
}

export const shb = (le: boolean) => block(0x0a0d0d0a, Buffer.concat([u(4, 0x1a2b3c4d, le), u(2, 1, le), u(2, 0, le), u(8, -1n, le)]), le);
export const idb = (linkType: number, le: boolean, opts: Buffer[] = []) =>
  block(1, Buffer.concat([u(2, linkType, le), u(2, 0, le), u(4, 65535, le), ...opts, ...(opts.length ? [u(4, 0, le)] : [])]), le);
export const epb = (iface: number, ts: bigint, data: Uint8Array, le: boolean) =>
  block(6, Buffer.concat([u(4, iface, le), u(4, Number(ts >> 32n), le), u(4, Number(ts & 0xffffffffn), le), u(4, data.length, le), u(4, data.length, le), Buffer.from(data)]), le);
export const spb = (data: Uint8Array, le: boolean) => block(3, Buffer.concat([u(4, data.length, le), Buffer.from(data)]), le);

/** Big-endian section: raw-IP interface at ns resolution with a +10 s offset, an EPB, an NRB, an SPB; then a little-endian section: IPv6 link type at 2^-10 s. */
export function handBuilt(): Buffer {
  return Buffer.concat([
    shb(false),
    idb(101, false, [option(9, Buffer.from([9]), false), option(14, u(8, 10n, false), false)]),
    epb(0, 1608184609929776123n, FRAME5, false),
    block(4, Buffer.from([0, 0, 0, 0]), false),
    spb(FRAME5, false),
    shb(true),
    idb(229, true, [option(9, Buffer.from([0x8a]), true)]),
    epb(0, 1024n * 1608184620n + 512n, FRAME5, true),
  ]);
}

