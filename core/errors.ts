/**
 * Typed errors shared by every layer. A decode failure names the layer and the byte offset
 * (relative to the start of the buffer handed to that layer) so a report can say
 * "coap: token length 9 exceeds 8 at byte 0" instead of "malformed".
 */
export type DecodeLayer =
  | 'pcap'
  | 'pcapng'
  | 'ethernet'
  | 'slip'
  | 'ipv6'
  | 'udp'
  | 'coap'
  | 'tlv'
  | 'tlv-value'
  | 'asn1'
  | 'hex';

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly layer: DecodeLayer,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${layer}: ${reason} at byte ${offset}`);
  }

  /** The same error seen from an enclosing layer whose payload started at `base`. */
  shifted(base: number): DecodeError {
    return new DecodeError(this.layer, this.offset + base, this.reason);
  }
}

/** A rig file, suite file or command-line value that cannot be used. `where` is file:line or a JSON path. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly where: string,
    readonly reason: string,
  ) {
    super(`${where}: ${reason}`);
  }
}

/** A resource (serial port, socket, process) could not be acquired or was lost. */
export class ResourceError extends Error {
  override readonly name = 'ResourceError';
  constructor(
    readonly resource: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${resource}: ${reason}`, options);
  }
}
