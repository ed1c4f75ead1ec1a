/**
 * An NMS under test on one side of a MemoryLink pair, a scripted device (two CoAP endpoints
 * built from the project's codecs) on the other. No timers but the fake clock's.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CoapEndpoint, type RequestHandler } from '../../../harness/coap/endpoint.js';
import type { CoapMessage } from '../../../harness/coap/message.js';
import { privateKeyFromScalar } from '../../../harness/csmp/keys.js';
import { buildPayload, decodePayload, type TlvToBuild } from '../../../harness/csmp/payload.js';
import type { DecodedTlv } from '../../../harness/csmp/value.js';
import { Nms, type NmsOptions } from '../../../harness/nms/nms.js';
import { NmsSigner, type ValidityWindow } from '../../../harness/nms/signing.js';
import { MemoryLink } from '../../support/memory-link.js';
import { FakeClock } from '../../support/fake-clock.js';
import { hexBytes } from '../../support/hex.js';
import { SIG_TEST_PRIVATE_SCALAR } from '../csmp/vectors.js';

export const FND = 'fd00::1';
export const VIP = 'fd00::100';
export const METER = 'fd00::2';
export const EUI = '0A0027FFFE3B2AB2';
/** 2023-11-14T22:13:20Z, the notBefore of the signature vector (doc 8.8). */
export const NOW_S = 1_700_000_000;

/** Test-only key of doc 8.8 and its certificate (test/harness/csmp/fixtures). */
export const TEST_KEY = privateKeyFromScalar(hexBytes(SIG_TEST_PRIVATE_SCALAR));
export const TEST_CERT = readFileSync(fileURLToPath(new URL('../csmp/fixtures/sig-vector-cert.pem', import.meta.url)), 'utf8');

export const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

export interface Rig {
  clock: FakeClock;
  nms: Nms;
  nmsLink: MemoryLink;
  devLink: MemoryLink;
  /** The device's client socket (ephemeral port, as csmp-agent-lib). */
  devClient: CoapEndpoint;
  /** The device's CSMP server on 61628. */
  devServer: CoapEndpoint;
  /** Requests the device server received. */
  served: CoapMessage[];
  /** Sets what the device server answers. */
  answer(h: RequestHandler): void;
  register(items: TlvToBuild[], to?: string): Promise<CoapMessage>;
  /** POST /r with a payload exactly as given (damaged ones included). */
  registerBytes(payload: Uint8Array, to?: string): Promise<CoapMessage>;
  /** Device NON POST /c to the NMS (report, notification, async answer). */
  devicePost(items: TlvToBuild[], to?: string, token?: Uint8Array): Promise<void>;
  stop(): Promise<void>;
}

export async function makeRig(
  opts: { validity?: Partial<ValidityWindow>; signed?: boolean; nms?: Partial<NmsOptions>; expected?: Record<string, unknown> } = {},
): Promise<Rig> {
  const clock = new FakeClock();
  clock.advance(NOW_S * 1000);
  const [nmsLink, devLink] = MemoryLink.pair(['nms', 'dongle']);
  const signer = opts.signed === false ? undefined : new NmsSigner({ privateKey: TEST_KEY, certificate: TEST_CERT, validity: opts.validity ?? {} });
  const nms = new Nms({
    addresses: [
      { name: 'fnd', address: FND },
      { name: 'vip', address: VIP },
    ],
    devices: [
      {
        name: 'meter1',
        eui64: '0a:00:27:ff:fe:3b:2a:b2',
        address: METER,
        port: 61628,
        link: 'nms',
        expected: { firmwareVersion: '6.6.99', hwId: 'CSMP-HW', firmwareGroup: 317, ...opts.expected },
      },
    ],
    ...(signer ? { signer } : {}),
    clock,
    ...opts.nms,
  });
  await nms.start([nmsLink]);
  const devClient = new CoapEndpoint({ link: devLink, address: METER, port: 46790, clock, firstMessageId: 0 });
  const devServer = new CoapEndpoint({ link: devLink, address: METER, port: 61628, clock, dedup: false });
  const served: CoapMessage[] = [];
  let handler: RequestHandler = () => ({ code: '4.04' });
  devServer.onRequest((req, from, to) => {
    served.push(req);
    return handler(req, from, to);
  });
  const registerBytes = (payload: Uint8Array, to = FND): Promise<CoapMessage> =>
    devClient.request({ address: to, port: 61628 }, { method: 'POST', uriPath: ['r'], payload }, { timeoutMs: 5000 });
  return {
    clock,
    nms,
    nmsLink,
    devLink,
    devClient,
    devServer,
    served,
    answer(h) {
      handler = h;
    },
    register(items, to = FND) {
      return registerBytes(buildPayload(items, { lengthStyle: 'agent' }), to);
    },
    registerBytes,
    async devicePost(items, to = FND, token) {
      await devClient.request(
        { address: to, port: 61628 },
        { method: 'POST', uriPath: ['c'], payload: buildPayload(items, { lengthStyle: 'agent' }), confirmable: false, ...(token ? { token } : {}) },
      );
      await flush();
    },
    async stop() {
      await nms.stop();
      devClient.close();
      devServer.close();
    },
  };
}

export const deviceId: TlvToBuild = { type: 2, fields: { type: 1, id: EUI } };
export const currentTime = (posix = NOW_S): TlvToBuild => ({ type: 18, fields: { posix } });
export const groupInfo = (type: number, id: number): TlvToBuild => ({ type: 58, fields: { type, id } });
export const sessionId = (id = '1'): TlvToBuild => ({ type: 7, fields: { id } });

export function tlvsOf(payload: Uint8Array): DecodedTlv[] {
  const d = decodePayload(payload);
  if (d.error) throw d.error;
  return d.tlvs;
}
