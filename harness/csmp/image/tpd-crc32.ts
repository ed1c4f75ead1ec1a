/**
 * The CRC-32 that FND's TPD firmware format puts in the last 4 bytes of the image header
 * (csmp-protocol.md 6.7 [TPD]): polynomial 04C11DB7, most significant bit first, initial value 0,
 * no reflection, no final XOR. It is not the zlib CRC-32 (reflected, ~0 init and xor), nor
 * CRC-32/MPEG-2 (init ~0): the common npm CRC packages compute those, so it is written here.
 * With a final XOR of ~0 it would be CRC-32/CKSUM, which is how the tests check it against
 * coreutils `cksum`.
 */
const POLY = 0x04c11db7;

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 24;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ POLY : crc << 1;
    t[byte] = crc >>> 0;
  }
  return t;
})();

/** CRC of `bytes`, continuing from `crc` (0 to start). */
export function tpdCrc32(bytes: Uint8Array, crc = 0): number {
  let c = crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = ((c << 8) ^ TABLE[((c >>> 24) ^ bytes[i]!) & 0xff]!) >>> 0;
  return c;
}
