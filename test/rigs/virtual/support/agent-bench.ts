/** A MeterAgent on a fake clock with an in-memory board: datagrams out are collected. */
import type { Datagram } from '../../../../drivers/link/types.js';
import { decodeCoap, encodeCoap, type CoapMessage, type CoapMessageInit } from '../../../../harness/coap/message.js';
import { decodeTlvs } from '../../../../harness/csmp/tlv.js';
import { decodeValue } from '../../../../harness/csmp/value.js';
import { MeterAgent } from '../../../../rigs/virtual/meter/agent.js';
import { FaultSet, type FaultName } from '../../../../rigs/virtual/meter/faults.js';
import { MemoryPlatform } from '../../../../rigs/virtual/meter/memory-platform.js';
import { DEFAULT_HARDWARE, type MeterIdentity, type MeterSettings } from '../../../../rigs/virtual/meter/platform.js';
import { FakeDeviceTime } from './fake-device-time.js';
import { testKeys, type TestKeys } from './nms-signer.js';
import { toHex } from '../../../../core/bytes.js';

export const NMS = 'fd00::1';
export const METER = 'fd00::101';
export const EUI = '0a0027fffe3b2ab2';
export const NMS_SRC_PORT = 62590;

let sharedKeys: TestKeys | undefined;
export function keys(): TestKeys {
  return (sharedKeys ??= testKeys());
}

export function defaultSettings(): MeterSettings {
  return {
    ssid: new TextEncoder().encode('CRDC'),
    panId: 1234,
    txPower: 28,
    demoMode: false,
    nms: { publicKey: keys().publicKey, valid: true },
    firmware: [
      { index: 1, fileName: 'meter-fw-5.6.21', version: '5.6.21', fileHash: new Uint8Array(32).fill(0x11), fileSize: 305408, blockSize: 1024, isRunning: true, hwId: 'RFLAN/3.60/3.80' },
      { index: 2, fileName: '', version: '', fileHash: new Uint8Array(32), fileSize: 0, blockSize: 0, hwId: '' },
      { index: 3, fileName: 'meter-fw-5.2.25', version: '5.2.25', fileHash: new Uint8Array(32).fill(0x33), fileSize: 40960, blockSize: 1024, isDefault: true, hwId: 'RFLAN/3.60/3.80' },
    ],
  };
}

export interface BenchOptions {
  faults?: FaultName[];
  dropEvery?: number;
  regAttempts?: number;
  rebootEvery?: number;
  settings?: Partial<MeterSettings>;
  identity?: Partial<MeterIdentity>;
  wallMs?: number;
}

export class AgentBench {
  readonly time: FakeDeviceTime;
  readonly platform: MemoryPlatform;
  readonly agent: MeterAgent;
  readonly out: Datagram[] = [];

  constructor(o: BenchOptions = {}) {
    this.time = new FakeDeviceTime(o.wallMs ?? Date.UTC(2024, 0, 1));
    this.platform = new MemoryPlatform({ ...defaultSettings(), ...(o.settings ?? {}) }, (posix) => this.time.setWall(posix * 1000));
    const identity: MeterIdentity = {
      name: 'meter-1',
      eui64: EUI,
      address: METER,
      serverPort: 61628,
      clientPort: 'ephemeral',
      nms: { address: NMS, port: 61628 },
      regInterval: { min: 10, max: 20 },
      signatures: { post: true, response: true },
      hardware: DEFAULT_HARDWARE,
      parentLinkLocal: 'fe80::a00:27ff:fe3b:2ab1',
      slotSize: 512 * 1024,
      ...(o.identity ?? {}),
    };
    this.agent = new MeterAgent({
      identity,
      platform: this.platform,
      time: this.time,
      send: (d) => this.out.push(d),
      faults: new FaultSet(o.faults ?? [], { dropEvery: o.dropEvery, regAttempts: o.regAttempts, rebootEvery: o.rebootEvery }),
    });
  }

  nowSec(): number {
    return Math.floor(this.time.now() / 1000);
  }

  /** Advances until a datagram matching `pred` goes out (device seconds bound). */
  until(pred: (m: CoapMessage, d: Datagram) => boolean, maxSec = 4000): { msg: CoapMessage; d: Datagram } {
    for (let s = 0; s < maxSec * 10; s++) {
      const hit = this.take(pred);
      if (hit) return hit;
      this.time.advance(100);
    }
    throw new Error(`nothing matched within ${maxSec} device seconds; sent: ${this.out.map((d) => toHex(d.payload)).join(' | ')}`);
  }

  /** Removes and returns the first queued datagram that matches. */
  take(pred: (m: CoapMessage, d: Datagram) => boolean): { msg: CoapMessage; d: Datagram } | undefined {
    for (let i = 0; i < this.out.length; i++) {
      const d = this.out[i]!;
      let m: CoapMessage;
      try {
        m = decodeCoap(d.payload);
      } catch {
        continue;
      }
      if (pred(m, d)) {
        this.out.splice(i, 1);
        return { msg: m, d };
      }
    }
    return undefined;
  }

  /** Sends a request to the meter's server port from the NMS and returns the piggybacked answer, if any. */
  request(init: CoapMessageInit, from = NMS, fromPort = NMS_SRC_PORT): CoapMessage | undefined {
    this.out.length = 0;
    this.agent.receive({ src: from, srcPort: fromPort, dst: METER, dstPort: 61628, payload: encodeCoap(init) });
    const ack = this.take((m) => m.type === 'ACK');
    return ack?.msg;
  }

  raw(bytes: Uint8Array, port = 61628): Datagram[] {
    this.out.length = 0;
    this.agent.receive({ src: NMS, srcPort: NMS_SRC_PORT, dst: METER, dstPort: port, payload: bytes });
    return this.out.splice(0);
  }

  /** Replies to the meter's client socket (as FND answering /r). */
  reply(init: CoapMessageInit): void {
    this.agent.receive({ src: NMS, srcPort: 61628, dst: METER, dstPort: this.agent.clientPort, payload: encodeCoap(init) });
  }

  stat(name: string): number {
    return (this.agent.stats as unknown as Record<string, number>)[name]!;
  }
}

export function fields(payload: Uint8Array): { type: number; value: Record<string, unknown> | undefined }[] {
  return decodeTlvs(payload).map((t) => ({ type: t.type, value: decodeValue(t).value }));
}

export const isPost = (path: string) => (m: CoapMessage) => m.code === '0.02' && m.uriPath.join('/') === path;
