/**
 * The block size of a transfer: the largest that keeps every ImageBlock message inside the
 * device's 1024-byte receive buffer (csmp-protocol.md 10.1, 10.2: CSMP has no block-wise
 * transfer, a longer datagram is truncated), header, options, GroupMatch and a progress
 * DescriptionRequest included; and at least fileSize/1024, because the bitmap holds 1024 blocks
 * (reference sample: 0 < blockSize <= 1024 and >= fileSize/1024).
 */
import { encodeCoap } from '../../coap/message.js';
import { buildPayload, type TlvToBuild } from '../../csmp/payload.js';
import { TLV } from '../../csmp/tlv-ids.js';
import { DESCRIBE_FIRMWARE, imageBlockItem } from './commands.js';

/** The reference agent's receive buffer. */
export const MAX_CSMP_MESSAGE = 1024;
export const MAX_BLOCK_SIZE = 1024;
export const MAX_BLOCKS = 1024;

export interface BlockMessageShape {
  /** Bytes of the file hash each ImageBlock carries (default 32). */
  hashBytes?: number;
  /** GroupMatch {type 2, id} first (group transfers). */
  groupId?: number;
  /** Uri-Query options (group transfers send a=). */
  uriQuery?: readonly string[];
  tokenLength?: number;
}

/** The CoAP bytes of one ImageBlock message of that shape, with a progress DescriptionRequest. */
export function blockMessageSize(shape: BlockMessageShape, dataLength: number, blockNum = MAX_BLOCKS - 1): number {
  const items: TlvToBuild[] = [];
  if (shape.groupId !== undefined) items.push({ type: TLV.GroupMatch, fields: { type: 2, id: shape.groupId } });
  items.push(imageBlockItem(new Uint8Array(shape.hashBytes ?? 32), blockNum, new Uint8Array(dataLength)), DESCRIBE_FIRMWARE);
  const payload = buildPayload(items, { lengthStyle: 'minimal' });
  return encodeCoap({ type: 'NON', code: '0.02', messageId: 0, token: new Uint8Array(shape.tokenLength ?? 0), uriPath: ['c'], uriQuery: [...(shape.uriQuery ?? [])], payload }).length;
}

/** The largest block size whose messages fit `maxMessage` bytes. */
export function largestBlock(shape: BlockMessageShape, maxMessage = MAX_CSMP_MESSAGE): number {
  let size = MAX_BLOCK_SIZE;
  for (let over = blockMessageSize(shape, size) - maxMessage; over > 0; over = blockMessageSize(shape, size) - maxMessage) size -= over;
  return size;
}

/** Throws RangeError when no block size fits both the message limit and the 1024-block bitmap. */
export function chooseBlockSize(fileSize: number, shape: BlockMessageShape, wanted?: number, maxMessage = MAX_CSMP_MESSAGE): number {
  const largest = largestBlock(shape, maxMessage);
  const smallest = Math.ceil(fileSize / MAX_BLOCKS);
  const size = Math.min(wanted ?? largest, largest);
  if (size < 1 || size < smallest) {
    throw new RangeError(`no block size fits: a ${fileSize}-byte image needs blocks of at least ${smallest} bytes (1024-block bitmap), messages allow at most ${largest}${wanted !== undefined ? `, asked for ${wanted}` : ''}`);
  }
  return size;
}
