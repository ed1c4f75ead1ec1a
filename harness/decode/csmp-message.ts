/** What decoding one frame gives: its own file so the partial decoders and the full one share it without a cycle. */
import type { CoapMessage } from '../coap/message.js';
import type { DecodedTlv } from '../csmp/value.js';
import type { DecodeError } from '../../core/errors.js';

export interface Endpoints {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
}

export interface CsmpMessage extends Partial<Endpoints> {
  /** false when the UDP checksum is wrong (captured device frames often are: checksum offload). */
  udpChecksumOk?: boolean;
  coap?: CoapMessage;
  tlvs: DecodedTlv[];
  /** The fault that stopped decoding; offsets are from the first byte handed to the decoder. */
  error?: DecodeError;
}
