/** Why a request made through a CoapEndpoint did not produce a response. */

export interface Peer {
  address: string;
  port: number;
}

export function peerText(p: Peer): string {
  return `[${p.address}]:${p.port}`;
}

export abstract class CoapRequestError extends Error {
  constructor(
    /** e.g. 'CON GET /c?q=2 (MID 1)' */
    readonly request: string,
    readonly peer: Peer,
    message: string,
  ) {
    super(`${request} to ${peerText(peer)}: ${message}`);
  }
}

/** No ACK or RST within the timeout (after any configured retransmissions). */
export class CoapTimeoutError extends CoapRequestError {
  override readonly name = 'CoapTimeoutError';
  constructor(request: string, peer: Peer, readonly timeoutMs: number) {
    super(request, peer, `no answer within ${timeoutMs} ms`);
  }
}

/** The peer answered the CON with a Reset. */
export class CoapResetError extends CoapRequestError {
  override readonly name = 'CoapResetError';
  constructor(request: string, peer: Peer) {
    super(request, peer, 'reset by peer (RST)');
  }
}

/** The endpoint was closed while the request was pending, or before it was made. */
export class CoapClosedError extends CoapRequestError {
  override readonly name = 'CoapClosedError';
  constructor(request: string, peer: Peer) {
    super(request, peer, 'endpoint closed');
  }
}
