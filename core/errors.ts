/**
 * Typed errors shared by every layer. Each carries a `code` from a small closed union, for
 * programs (tests, counters, JSON output) to branch on, and a human `reason` naming what was
 * wrong, for people; the message joins them with where it happened. Codes are kept few and
 * stable on purpose: a new failure picks the nearest existing code and says the rest in its
 * reason.
 *
 * ## The decoder contract
 *
 * A decode failure names the layer and the byte offset (relative to the start of the buffer
 * handed to that layer, or the character index for text) so a report can say
 * "coap: token length 9 exceeds 8 at byte 0" instead of "malformed".
 *
 * - Parsers (parseIpv6, parseUdp, parseUdpPacket, readPcap, CaptureRecordReader, decodeCoap, readVarint,
 *   decodeTlvs, parseTlvId, parseTlvIdList, parseSignatureValue) throw DecodeError and nothing
 *   else, whatever the bytes or text.
 * - Tolerant entry points, which must keep what decoded before the damage, never throw on bad
 *   input and return `{ …partial result, error?: DecodeError }`: readPcapPartial, scanTlvs,
 *   decodeValue, decodePayload, decodeIpv6Message and decodeCoapMessage. Printers built on them
 *   (describePacket, formatPayload, renderText) show the error inline.
 * - Stream framers (SlipDecoder, the links) never throw on bad bytes either: they drop the frame
 *   and count the drop by reason.
 * - A throw that is not a DecodeError is a bug in a decoder, not bad input: it is rethrown,
 *   except at the top of a receive path (decodeIpv6Message, CoapEndpoint), which turns it into
 *   code 'internal' so one frame cannot stop a run.
 * - Encoders are not decoders: a value that cannot be put on the wire is the caller's bug and a
 *   TypeError or RangeError naming the field.
 */
export type DecodeLayer = 'pcap' | 'pcapng' | 'slip' | 'ipv6' | 'udp' | 'coap' | 'tlv' | 'tlv-value' | 'asn1' | 'firmware-image';

/**
 * Why bytes did not decode:
 * - 'truncated': the input ends before a field, element or length it needs (a length that runs
 *   past the bytes available included; the offset is the length field's);
 * - 'trailing-bytes': a complete structure is followed by bytes it does not account for;
 * - 'bad-value': a field holds a value the format forbids (a wrong tag, a reserved nibble, a
 *   non-minimal DER integer, an unknown magic number, text that is not an id);
 * - 'too-large': a number exceeds what its field or this decoder allows (a 33-bit varint, an
 *   option number above 65535, a signature value over 88 bytes);
 * - 'inconsistent': fields that are well-formed alone contradict each other (UDP length against
 *   IPv6 payload length, a packet block naming an interface the section lacks);
 * - 'unsupported': well-formed, but a version or kind this decoder does not handle (IPv4, CoAP
 *   version 2, a next header that is not UDP, pcap version 3);
 * - 'internal': the decoder itself failed (see the contract above).
 */
export const DECODE_ERROR_CODES = ['truncated', 'trailing-bytes', 'bad-value', 'too-large', 'inconsistent', 'unsupported', 'internal'] as const;
export type DecodeErrorCode = (typeof DECODE_ERROR_CODES)[number];

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly layer: DecodeLayer,
    readonly offset: number,
    readonly code: DecodeErrorCode,
    readonly reason: string,
  ) {
    super(`${layer}: ${reason} at byte ${offset}`);
  }

  /** The same error seen from an enclosing layer whose payload started at `base`. */
  shifted(base: number): DecodeError {
    return new DecodeError(this.layer, this.offset + base, this.code, this.reason);
  }
}

/**
 * Why a rig file, suite file, event log or command-line value cannot be used:
 * - 'file': the file cannot be read (missing, unreadable);
 * - 'syntax': the text does not parse (YAML, JSON lines);
 * - 'schema': the document does not match its JSON Schema;
 * - 'value': a value of the right type that is not acceptable (not an IPv6 address, out of
 *   range, not one of the allowed words, a regular expression that does not compile);
 * - 'missing': something the rest of the configuration needs is absent (a console section for
 *   the console capability, an NMS signing key for a signed post);
 * - 'reference': a name that names nothing defined (a link, device, suite, template, variable);
 * - 'conflict': entries that are acceptable alone contradict each other (a name defined twice,
 *   a key that does not match its certificate);
 * - 'unsupported': asks for something this csmp-hil cannot do (an event log newer than it reads,
 *   raw IPv6 on a UDP link).
 */
export const CONFIG_ERROR_CODES = ['file', 'syntax', 'schema', 'value', 'missing', 'reference', 'conflict', 'unsupported'] as const;
export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[number];

/** A rig file, suite file or command-line value that cannot be used. `where` is file:line or a JSON path. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly where: string,
    readonly code: ConfigErrorCode,
    readonly reason: string,
  ) {
    super(`${where}: ${reason}`);
  }
}

/**
 * Why a resource (serial port, socket, console, lock, file, helper process) could not be used:
 * - 'busy': held by someone else (a port lock, an address in use);
 * - 'missing': not there (no such device or file);
 * - 'refused': the other end refused the connection;
 * - 'unavailable': cannot be opened, bound, read or started for another reason;
 * - 'lost': was in use and went away (device unplugged, connection closed by the peer);
 * - 'state': not in a state for the operation (opened twice, used after close, closed while the
 *   operation was pending);
 * - 'timeout': not ready in time;
 * - 'io': a read or write on it failed;
 * - 'limit': an operating-system limit (file descriptors, socket path length).
 */
export const RESOURCE_ERROR_CODES = ['busy', 'missing', 'refused', 'unavailable', 'lost', 'state', 'timeout', 'io', 'limit'] as const;
export type ResourceErrorCode = (typeof RESOURCE_ERROR_CODES)[number];

/** A resource (serial port, socket, process) could not be acquired or was lost. */
export class ResourceError extends Error {
  override readonly name = 'ResourceError';
  constructor(
    readonly resource: string,
    readonly code: ResourceErrorCode,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${resource}: ${reason}`, options);
  }
}

/**
 * The ResourceError code for a failed open, bind, connect or read, from the system error's errno
 * code; serialport's native binding gives only the strerror text ("No such file or directory,
 * cannot open /dev/ttyUSB0"), so that text is read for the same cases.
 */
export function resourceCodeOf(e: unknown): ResourceErrorCode {
  const err = e as NodeJS.ErrnoException | undefined;
  switch (err?.code ?? strerrorCode(err?.message)) {
    case 'EADDRINUSE':
    case 'EBUSY':
      return 'busy';
    case 'ENOENT':
    case 'ENODEV':
    case 'ENOTFOUND':
      return 'missing';
    case 'ECONNREFUSED':
      return 'refused';
    case 'EMFILE':
    case 'ENFILE':
      return 'limit';
    default:
      return 'unavailable';
  }
}

const STRERROR: readonly [RegExp, string][] = [
  [/No such file or directory/, 'ENOENT'],
  [/Device or resource busy/, 'EBUSY'],
  [/Too many open files/, 'EMFILE'],
];

function strerrorCode(message: string | undefined): string | undefined {
  return message === undefined ? undefined : STRERROR.find(([re]) => re.test(message))?.[1];
}
