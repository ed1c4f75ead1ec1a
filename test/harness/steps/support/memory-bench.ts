/**
 * A bench in memory for executor and session tests: the harness's NMS on a MeshLink, virtual
 * meter agents (the same MeterAgent the virtual rig runs) behind it, each on a board with the
 * virtual rig's real flash, clock, power and console CLI (memory-board.ts). No ptys, no
 * processes: a test runs in tens of milliseconds of real time.
 *
 * Everything runs on one TimeScale (default 600 device seconds per real second).
 */
import { afterEach } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Datagram, Link, LinkFrame } from '../../../../drivers/link/types.js';
import { buildUdpPacket, parseUdpPacket } from '../../../../drivers/ip/packet.js';
import { canonicalIpv6, formatIpv6 } from '../../../../drivers/ip/address.js';
import { parseRig, type Rig } from '../../../../harness/config/rig.js';
import { parseSuite, type Suite } from '../../../../harness/config/suite.js';
import { DropCounter } from '../../../../core/drop-counter.js';
import { DecodeError } from '../../../../core/errors.js';
import { nmsFromRig } from '../../../../harness/nms/from-rig.js';
import type { Nms } from '../../../../harness/nms/nms.js';
import type { Attachment, TestCase } from '../../../../harness/model/run-model.js';
import type { StepContext } from '../../../../harness/runner/executor.js';
import { Bench } from '../../../../harness/steps/bench.js';
import type { DeviceConsole, DevicePower } from '../../../../harness/steps/device-control.js';
import { FrameLog } from '../../../../harness/steps/frame-log.js';
import { BOARD_CONSOLE_COMMANDS } from '../../../../rigs/virtual/rig.js';
import type { FlashImage } from '../../../../rigs/virtual/board/flash.js';
import { FlashPlatform } from '../../../../rigs/virtual/board/flash-platform.js';
import type { BoardHooks } from '../../../../rigs/virtual/board/hooks.js';
import { MeterAgent } from '../../../../rigs/virtual/meter/agent.js';
import { FaultSet, type FaultName } from '../../../../rigs/virtual/meter/faults.js';
import { DEFAULT_HARDWARE } from '../../../../rigs/virtual/meter/platform.js';
import { TimeScale } from '../../../../rigs/virtual/time-scale.js';
import { agentOnBoard } from '../../../../rigs/virtual/virtual-meter.js';
import { memoryBoard, type MemoryBoard } from './memory-board.js';

export const KEY = `${process.cwd()}/rigs/virtual/keys/nms-key.pem`;
export const CERT = `${process.cwd()}/rigs/virtual/keys/nms-cert.pem`;

const commands = Object.entries(BOARD_CONSOLE_COMMANDS)
  .map(([k, v]) => `        ${k}: '${v}'`)
  .join('\n');

const eui64 = (n: number): string => `00173bfffe00000${n}`;

export function rigYaml(meters: number): string {
  const devices = Array.from({ length: meters }, (_, i) => {
    const n = i + 1;
    return `  - name: meter-${n}
    eui64: '${eui64(n)}'
    address: 'fd00:77::10${n}'
    link: mesh
    console:
      path: 'memory:meter-${n}'
      prompt: 'meter-${eui64(n)}> '
      errorPattern: '^Error: '
      commands:
${commands}
    power: { on: 'on', off: 'off' }
    expected: { firmwareVersion: '5.6.21', hwId: 'RFLAN/3.60/3.80', firmwareGroup: 317, configGroup: 42 }
    capabilities: [console, power, ${Object.keys(BOARD_CONSOLE_COMMANDS).join(', ')}]`;
  }).join('\n');
  return `name: memory
nms:
  addresses:
    - { name: fnd, address: 'fd00::1' }
    - { name: vip, address: 'fd00::2' }
  signing: { key: '${KEY}', cert: '${CERT}' }
links:
  - { name: mesh, kind: udp, bind: '[fd00::1]:61628' }
devices:
${devices}
`;
}

/** The NMS side of an in-memory mesh: frames are synthesised as a SLIP link would carry them. */
export class MeshLink extends EventEmitter implements Link {
  readonly name = 'mesh';
  readonly drops = new DropCounter();
  private readonly nodes = new Map<string, (d: Datagram) => void>();

  attach(address: string, deliver: (d: Datagram) => void): (d: Datagram) => void {
    this.nodes.set(canonicalIpv6(address), deliver);
    return (d) => queueMicrotask(() => this.fromNode(d));
  }

  async open(): Promise<void> {}
  async close(): Promise<void> {}

  send(d: Datagram): void {
    this.emit('frame', { direction: 'out', ipv6: buildUdpPacket(d), at: Date.now() } satisfies LinkFrame);
    const node = this.nodes.get(canonicalIpv6(d.dst));
    if (node) queueMicrotask(() => node({ ...d, payload: d.payload.slice() }));
  }

  /** The packet as given; a node hears it when it is a UDP datagram with a good checksum, as a meter's stack would. */
  sendRaw(ipv6: Uint8Array): void {
    this.emit('frame', { direction: 'out', ipv6, at: Date.now() } satisfies LinkFrame);
    let d: Datagram;
    try {
      const { ip, udp } = parseUdpPacket(ipv6);
      if (!udp.checksumOk) return this.drop('udp: bad checksum');
      d = { src: formatIpv6(ip.src), dst: formatIpv6(ip.dst), srcPort: udp.srcPort, dstPort: udp.dstPort, payload: udp.payload.slice() };
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return this.drop(`${e.layer}: ${e.reason}`);
    }
    const node = this.nodes.get(d.dst);
    if (node) queueMicrotask(() => node(d));
  }

  private fromNode(d: Datagram): void {
    // As the real links do, the frame carries the link's own parse of the datagram.
    const datagram = { ...d, src: canonicalIpv6(d.src), dst: canonicalIpv6(d.dst) };
    this.emit('frame', { direction: 'in', ipv6: buildUdpPacket(d), at: Date.now(), datagram } satisfies LinkFrame);
    this.emit('datagram', datagram);
  }

  private drop(reason: string): void {
    this.drops.count(reason);
    this.emit('drop', { layer: 'mesh', reason });
  }
}

export interface MemoryMeter {
  name: string;
  agent: MeterAgent;
  board: MemoryBoard;
  console: DeviceConsole & { lines: string[] };
  power: DevicePower & { switched: string[] };
}

export interface MemoryBenchOptions {
  meters?: number;
  scale?: number;
  faults?: Record<string, FaultName[]>;
  clockSkewMs?: Record<string, number>;
  /** The bench's refusal of a device (harness/nms/identity-guard.ts in a real bench). */
  refusal?: (device: string) => string | undefined;
}

export interface MemoryBench {
  rig: Rig;
  nms: Nms;
  bench: Bench;
  link: MeshLink;
  meters: Map<string, MemoryMeter>;
  clock: TimeScale;
  stop(): Promise<void>;
}

const certPem = readFileSync(CERT, 'utf8');

/** What the factory programs into every memory meter. */
const IMAGE: FlashImage = {
  config: { ssid: 'CRDC', panId: 1234, txPower: 28, demoMode: false, configGroup: 42, firmwareGroup: 317 },
  nmsCertPem: certPem,
  firmware: [
    { index: 1, fileName: 'meter-fw-5.6.21', version: '5.6.21', fileHash: new Uint8Array(32).fill(0x11), fileSize: 305408, blockSize: 1024, isRunning: true, hwId: 'RFLAN/3.60/3.80' },
    { index: 2, fileName: '', version: '', fileHash: new Uint8Array(32), fileSize: 0, blockSize: 0, hwId: '' },
    { index: 3, fileName: 'meter-fw-5.6.21', version: '5.6.21', fileHash: new Uint8Array(32).fill(0x11), fileSize: 305408, blockSize: 1024, isDefault: true, hwId: 'RFLAN/3.60/3.80' },
  ],
};

export async function memoryBench(o: MemoryBenchOptions = {}): Promise<MemoryBench> {
  const rig = parseRig(rigYaml(o.meters ?? 2), 'memory.rig.yaml');
  const clock = new TimeScale(o.scale ?? 600);
  const nms = await nmsFromRig(rig, { clock, registration: { reportIntervalS: 60 } });
  const link = new MeshLink();
  await nms.start([link]);
  const frames = new FrameLog();
  frames.watch(link);
  const meters = new Map<string, MemoryMeter>();
  const consoles = new Map<string, DeviceConsole>();
  const powers = new Map<string, DevicePower>();
  for (const d of rig.devices) {
    const faults = o.faults?.[d.name] ?? [];
    let hooks: BoardHooks = {};
    const board = await memoryBoard({
      device: d,
      image: IMAGE,
      clock: clock.boardClock(o.clockSkewMs?.[d.name] ?? 0),
      hooks: () => hooks,
      stickyDemoMode: faults.includes('demo-mode-sticky'),
    });
    let send: (x: Datagram) => void = () => {};
    const agent = new MeterAgent({
      identity: {
        name: d.name,
        eui64: d.eui64,
        address: canonicalIpv6(d.address),
        serverPort: 61628,
        clientPort: 'ephemeral',
        nms: { address: 'fd00::1', port: 61628 },
        regInterval: { min: 10, max: 20 },
        signatures: { post: true, response: true },
        hardware: DEFAULT_HARDWARE,
        parentLinkLocal: 'fe80::1',
        slotSize: 512 * 1024,
      },
      platform: new FlashPlatform(board.flash, board.clock),
      time: board.clock,
      send: (x) => send(x),
      faults: new FaultSet(faults),
    });
    hooks = agentOnBoard(agent);
    send = link.attach(d.address, (x) => agent.receive(x));
    consoles.set(d.name, board.console);
    powers.set(d.name, board.powerControl);
    meters.set(d.name, { name: d.name, agent, board, console: board.console, power: board.powerControl });
    agent.boot();
  }
  const bench = new Bench({ rig, nms, clock, timeScale: clock.scale, links: new Map([['mesh', link]]), frames, consoles, powers, ...(o.refusal ? { refusal: o.refusal } : {}) });
  return {
    rig,
    nms,
    bench,
    link,
    meters,
    clock,
    async stop() {
      frames.stop();
      await nms.stop();
      for (const m of meters.values()) {
        m.agent.close();
        await m.board.close();
      }
      clock.clearAll();
    },
  };
}

/** A StepContext for one test of a parsed suite, as the runner would give it. */
export function contextFor(mb: MemoryBench, suite: Suite, device: string, testIndex = 0, timeoutMs = 20_000): StepContext & { logs: string[]; attachments: Attachment[] } {
  const spec = suite.tests[testIndex]!;
  const dev = mb.rig.devices.find((d) => d.name === device)!;
  const logs: string[] = [];
  const attachments: Attachment[] = [];
  const testCase = { id: `${suite.name}/${spec.name}/${device}`, title: `${suite.name} @ ${device} › ${spec.name}`, name: spec.name, suite: { name: suite.name, branch: suite.branch, file: suite.file } } as unknown as TestCase;
  return {
    rig: mb.rig,
    device: dev,
    suite,
    test: spec,
    testCase,
    retry: 0,
    signal: new AbortController().signal,
    timeoutMs,
    memory: new Map(),
    log: (l) => logs.push(l),
    attach: (a) => attachments.push(a),
    logs,
    attachments,
  };
}

/** A suite of the registration branch around `tests` (YAML list items). */
export const registrationSuite = (tests: string, extra = ''): string => `suite: s\nbranch: registration\n${extra}tests:\n${tests}`;

/** Opens a bench for the test that asks, and stops it after that test. Call at the top of a test file. */
export function memoryBenchPerTest(): (o?: MemoryBenchOptions) => Promise<MemoryBench> {
  let mb: MemoryBench | undefined;
  afterEach(async () => {
    await mb?.stop();
    mb = undefined;
  });
  return async (o) => (mb = await memoryBench(o));
}

export function suiteOf(yaml: string): Suite {
  return parseSuite(yaml, 'memory.suite.yaml');
}
