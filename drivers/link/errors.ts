/**
 * What a link refuses to do. A link is a contract over several transports, and not all of them
 * reach the same layer: a kernel UDP socket hands the kernel a payload and an address, never an
 * IPv6 header, so a raw packet has no way onto such a link.
 */

/** sendRaw() on a link that carries datagrams, not raw IPv6 packets. */
export class RawSendUnsupportedError extends Error {
  override readonly name = 'RawSendUnsupportedError';
  constructor(
    /** The link's name. */
    readonly link: string,
    readonly reason: string,
  ) {
    super(`${link}: cannot send a raw IPv6 packet: ${reason}`);
  }
}
