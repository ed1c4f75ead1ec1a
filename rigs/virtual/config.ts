/**
 * The `virtual` section of a rig file: the simulated dongle and meters (rigs/virtual.yaml is the
 * default rig). harness/config validates the rest of the rig and keeps this section loosely
 * typed; `virtualSectionSchema()` is the JSON-schema fragment for it and `parseVirtualSection()`
 * validates and normalises it against the rest of the rig (meters named after `devices` take
 * their EUI-64, address, port and expected firmware from there).
 *
 *   virtual:
 *     timeScale: 60            # device seconds per real second (1 = real time)
 *     seed: 7                  # mesh loss/jitter and ephemeral ports repeat per seed
 *     epoch: 2024-05-27T20:00:00Z   # device and NMS time at start (default: the host clock)
 *     firmwareImage: fw/meter-5.6.21.bin   # the meters run this file: FirmwareImageInfo reports its SHA-256
 *     dongle: { link: dongle0, baudRate: 115200, latencyMs: 5, jitterMs: 0, lossRate: 0 }
 *     defaults: { regInterval: { min: 10, max: 20 }, signatures: { post: true, response: true }, slotSize: 30720 }
 *     meters:
 *       - name: meter-1        # a device of `devices`
 *         faults: [ignore-group-assign]
 *         initial: { clockSkew: '-2h', groups: { firmware: 243 } }
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fromHex } from '../../core/bytes.js';
import { ConfigError } from '../../core/errors.js';
import type { Rig } from '../../harness/config/rig.js';
import type { JsonSchema } from '../../harness/config/step-kit.js';
import { compileSchema } from '../../harness/config/validator.js';
import type { StoredSlot } from './board/firmware-slots.js';
import { FAULTS, isFaultName, type FaultName, type FaultOptions } from './meter/faults.js';
import { canonicalIpv6 } from './meter/ipv6-address.js';
import { DEFAULT_HARDWARE, type FirmwareSlot, type HardwareFacts } from './meter/platform.js';

export const SIGNED_DURATION_PATTERN = '^[+-]?[0-9]+(\\.[0-9]+)?(ms|s|m|h)$';
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export interface DongleConfig {
  /** Name of the SLIP link of `links` the dongle serves. */
  link: string;
  baudRate: number;
  latencyMs: number;
  jitterMs: number;
  lossRate: number;
  /** Largest IPv6 packet taken from the line. */
  maxFrame: number;
}

export interface MeterInitialState {
  poweredOn: boolean;
  demoMode: boolean;
  /** Device clock minus true time, in ms. */
  clockSkewMs: number;
  /** The NMS certificate in flash is damaged: no usable key, NMSCertValid false. */
  certDamaged: boolean;
  flashCorrupted: boolean;
  ssid: string;
  panId: number;
  txPower: number;
  firmware: FirmwareSlot[];
  groups: { config?: number; firmware?: number };
  /**
   * Powered and already registered when the rig starts, to an NMS of an earlier run that is no
   * longer there: a SessionID and report timer in RAM, no POST /r (a rack left powered).
   */
  registered?: { sessionId: string; reportIntervalS: number; signatureSettings?: Record<string, boolean> };
}

export interface MeterConfig {
  name: string;
  /** 16 lower-case hex digits. */
  eui64: string;
  address: string;
  port: number;
  clientPort: 'ephemeral' | 'server';
  /** Which NMS address of the rig it registers with ('fnd' or 'vip'). */
  nms: 'fnd' | 'vip';
  regInterval: { min: number; max: number };
  signatures: { post: boolean; response: boolean };
  faults: FaultName[];
  faultOptions: FaultOptions;
  hop: { latencyMs: number; jitterMs: number; lossRate: number };
  hardware: HardwareFacts;
  /** Upload slot capacity in bytes (TransferRequest fileSize limit). */
  slotSize: number;
  initial: MeterInitialState;
  /** Whether the meter is a device of the rig (has a console and power) or only mesh background. */
  device: boolean;
}

export interface VirtualConfig {
  timeScale: number;
  seed: number;
  /** Device/NMS time at start, ms since the epoch; undefined = host clock. */
  epochMs: number | undefined;
  dongle: DongleConfig;
  meters: MeterConfig[];
  /** Boards kept between runs in the rig's state folder (rigs/virtual/state). */
  persist: boolean;
}

const hop = {
  latencyMs: { type: 'number', minimum: 0, description: 'One-way mesh delay in real ms.' },
  jitterMs: { type: 'number', minimum: 0, description: 'Extra delay, uniform in [0, jitterMs).' },
  lossRate: { type: 'number', minimum: 0, maximum: 1, description: 'Probability of losing a packet on the hop, each direction.' },
};
const interval: JsonSchema = {
  type: 'object',
  description: 'Registration trickle bounds in device seconds (reference sample: 10/20).',
  properties: { min: { type: 'integer', minimum: 1 }, max: { type: 'integer', minimum: 1, maximum: 36000 } },
  required: ['min', 'max'],
  additionalProperties: false,
};
const signatures: JsonSchema = {
  type: 'object',
  description: 'Whether NMS POSTs and registration responses must be signed (sample option -sig).',
  properties: { post: { type: 'boolean' }, response: { type: 'boolean' } },
  additionalProperties: false,
};
const hardware: JsonSchema = {
  type: 'object',
  properties: {
    descr: { type: 'string' },
    modelName: { type: 'string' },
    mfgName: { type: 'string' },
    hardwareRev: { type: 'string' },
    function: { type: 'integer', minimum: 0 },
  },
  additionalProperties: false,
};
const firmwareSlot: JsonSchema = {
  type: 'object',
  properties: {
    index: { type: 'integer', minimum: 1 },
    fileName: { type: 'string' },
    version: { type: 'string' },
    fileHash: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: 'SHA-256 as 64 hex digits.' },
    fileSize: { type: 'integer', minimum: 0 },
    blockSize: { type: 'integer', minimum: 0 },
    running: { type: 'boolean' },
    default: { type: 'boolean' },
    hwId: { type: 'string' },
    vendorHwId: { type: 'string' },
  },
  required: ['index'],
  additionalProperties: false,
};
const groupId = { type: 'integer', minimum: 0, maximum: 4294967295 };
/** The reference agent's Linux sample (OSAL_CSMP_FWMGMT_SLOTIMG_SIZE); its EFR32 and Renesas builds take 512 KiB. */
export const DEFAULT_SLOT_SIZE = 30 * 1024;
const slotSize = { type: 'integer', minimum: 1, description: 'Upload slot capacity in bytes: the largest image a TransferRequest may announce (Linux sample 30720, EFR32/Renesas 524288).' };

/** SignatureSettings (TLV 79) flags, as the agent keeps them in RAM. */
const SIGNATURE_SETTINGS = ['reqSignedPost', 'reqValidCheckPost', 'reqTimeSyncPost', 'reqSecLocalPost', 'reqSignedResp', 'reqValidCheckResp', 'reqTimeSyncResp', 'reqSecLocalResp'] as const;

const registeredSchema: JsonSchema = {
  type: 'object',
  description:
    'Start powered and already registered to an NMS of an earlier run (a rack left powered between runs): the meter reports at this interval under this SessionID and sends no POST /r until something makes it register again.',
  properties: {
    reportInterval: { type: 'integer', minimum: 1, description: 'Seconds between reports (the ReportSubscribe the earlier NMS gave).' },
    sessionId: { type: 'string', minLength: 1, maxLength: 32, description: 'SessionID the earlier NMS gave (default: from the meter name).' },
    signatureSettings: {
      type: 'object',
      description: 'SignatureSettings (TLV 79) an earlier NMS POSTed, held in RAM (default all off).',
      properties: Object.fromEntries(SIGNATURE_SETTINGS.map((k) => [k, { type: 'boolean' }])),
      additionalProperties: false,
    },
  },
  required: ['reportInterval'],
  additionalProperties: false,
};

export function virtualSectionSchema(): JsonSchema {
  return {
    type: 'object',
    description: 'Settings of the simulated dongle and meters (virtual rig only).',
    properties: {
      timeScale: { type: 'number', exclusiveMinimum: 0, description: 'Device seconds per real second (60: a minute takes a second).' },
      seed: { type: 'integer', minimum: 0, description: 'Seed of mesh loss, jitter and ephemeral ports.' },
      epoch: { type: 'string', minLength: 1, description: 'Device and NMS time at start (ISO 8601); default the host clock.' },
      firmwareImage: {
        type: 'string',
        minLength: 1,
        description: "A firmware image file (path relative to the rig file) the meters run: their running and backup slots report its SHA-256 and size. A meter's own initial.firmware wins.",
      },
      startRegistered: registeredSchema,
      persist: {
        type: 'boolean',
        description:
          "Keep the boards between runs as a lab's powered rack (.hil-state/<rig name>/ beside the rig file): the next `hil run` or `hil sim` resumes them (`--cold` forgets). Default: on when the rig has a session.start.",
      },
      dongle: {
        type: 'object',
        properties: {
          link: { type: 'string', minLength: 1, description: 'The SLIP link of `links` this dongle serves (default: the first SLIP link).' },
          baudRate: { type: 'integer', minimum: 1, description: 'Line rate emulated on the pty (default: the link baudRate).' },
          maxFrame: { type: 'integer', minimum: 1280 },
          ...hop,
        },
        additionalProperties: false,
      },
      defaults: {
        type: 'object',
        description: 'Applied to every meter unless it says otherwise.',
        properties: { regInterval: interval, signatures, slotSize, ...hop },
        additionalProperties: false,
      },
      meters: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' },
            eui64: { type: 'string', pattern: '^([0-9A-Fa-f]{16}|([0-9A-Fa-f]{2}[:-]){7}[0-9A-Fa-f]{2})$' },
            address: { type: 'string', minLength: 2 },
            port: { enum: [61628, 61624] },
            clientPort: { enum: ['ephemeral', 'server'], description: "'ephemeral': reference agent (a new port per boot); 'server': sends from its server port, as the note's meters do." },
            nms: { enum: ['fnd', 'vip'], description: 'Which NMS address it is configured with.' },
            faults: { type: 'array', uniqueItems: true, items: { enum: Object.keys(FAULTS) } },
            faultOptions: {
              type: 'object',
              properties: { dropEvery: { type: 'integer', minimum: 2 }, regAttempts: { type: 'integer', minimum: 1 }, rebootEvery: { type: 'integer', minimum: 10 } },
              additionalProperties: false,
            },
            regInterval: interval,
            signatures,
            hardware,
            slotSize,
            ...hop,
            initial: {
              type: 'object',
              properties: {
                poweredOn: { type: 'boolean' },
                demoMode: { type: 'boolean' },
                clockSkew: {
                  description: "Device clock minus true time: '-2h', '+90s', or seconds.",
                  oneOf: [{ type: 'string', pattern: SIGNED_DURATION_PATTERN }, { type: 'number' }],
                },
                certDamaged: { type: 'boolean' },
                flashCorrupted: { type: 'boolean' },
                ssid: { type: 'string', maxLength: 32 },
                panId: { type: 'integer', minimum: 0, maximum: 65535 },
                txPower: { type: 'integer' },
                firmware: { type: 'array', items: firmwareSlot },
                groups: { type: 'object', properties: { config: groupId, firmware: groupId }, additionalProperties: false },
                registered: registeredSchema,
              },
              additionalProperties: false,
            },
          },
          required: ['name'],
          additionalProperties: false,
        },
      },
    },
    additionalProperties: false,
  };
}

const schema = virtualSectionSchema();

interface RawHop {
  latencyMs?: number;
  jitterMs?: number;
  lossRate?: number;
}
interface RawMeter extends RawHop {
  name: string;
  eui64?: string;
  address?: string;
  port?: number;
  clientPort?: 'ephemeral' | 'server';
  nms?: 'fnd' | 'vip';
  faults?: string[];
  faultOptions?: FaultOptions;
  regInterval?: { min: number; max: number };
  signatures?: { post?: boolean; response?: boolean };
  hardware?: Partial<HardwareFacts>;
  slotSize?: number;
  initial?: {
    poweredOn?: boolean;
    demoMode?: boolean;
    clockSkew?: string | number;
    certDamaged?: boolean;
    flashCorrupted?: boolean;
    ssid?: string;
    panId?: number;
    txPower?: number;
    firmware?: RawSlot[];
    groups?: { config?: number; firmware?: number };
    registered?: RawRegistered;
  };
}
interface RawRegistered {
  reportInterval: number;
  sessionId?: string;
  signatureSettings?: Record<string, boolean>;
}
/** A slot in the rig file: as flash stores it, but `running`/`default` and no loadTime. */
type RawSlot = Omit<StoredSlot, 'isRunning' | 'isDefault' | 'loadTime' | 'transfer' | 'received'> & { running?: boolean; default?: boolean };
interface RawVirtual {
  timeScale?: number;
  seed?: number;
  epoch?: string;
  firmwareImage?: string;
  startRegistered?: RawRegistered;
  persist?: boolean;
  dongle?: RawHop & { link?: string; baudRate?: number; maxFrame?: number };
  defaults?: RawHop & { regInterval?: { min: number; max: number }; signatures?: { post?: boolean; response?: boolean }; slotSize?: number };
  meters?: RawMeter[];
}

export function parseSignedDuration(v: string | number): number {
  if (typeof v === 'number') return Math.round(v * 1000);
  const m = /^([+-]?)([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/.exec(v);
  if (!m) throw new RangeError(`not a signed duration: ${v}`);
  return (m[1] === '-' ? -1 : 1) * Math.round(Number(m[2]) * UNIT_MS[m[3]!]!);
}

/** Validates `rig.virtual` and resolves it against the rig's links and devices. Throws ConfigError. */
export function parseVirtualSection(rig: Rig): VirtualConfig {
  const raw = (rig.virtual ?? {}) as RawVirtual;
  const where = (path: string) => `${rig.file}: virtual${path ? `.${path}` : ''}`;
  const validate = compileSchema(schema);
  if (!validate(raw)) {
    const e = validate.errors?.[0];
    throw new ConfigError(where(e?.instancePath.replace(/^\//, '').replace(/\//g, '.') ?? ''), 'schema', e?.message ?? 'invalid');
  }
  const slipLinks = rig.links.filter((l) => l.kind === 'slip');
  const linkName = raw.dongle?.link ?? slipLinks[0]?.name;
  const link = slipLinks.find((l) => l.name === linkName);
  if (!link || link.kind !== 'slip') throw new ConfigError(where('dongle.link'), 'reference', `no SLIP link named '${linkName ?? ''}' in links`);
  const d = raw.defaults ?? {};
  const dongle: DongleConfig = {
    link: link.name,
    baudRate: raw.dongle?.baudRate ?? link.baudRate,
    latencyMs: raw.dongle?.latencyMs ?? 2,
    jitterMs: raw.dongle?.jitterMs ?? 0,
    lossRate: raw.dongle?.lossRate ?? 0,
    maxFrame: raw.dongle?.maxFrame ?? 2048,
  };
  const epochMs = raw.epoch === undefined ? undefined : Date.parse(raw.epoch);
  if (epochMs !== undefined && Number.isNaN(epochMs)) throw new ConfigError(where('epoch'), 'value', `not a date-time: ${raw.epoch}`);
  const rawMeters = raw.meters ?? rig.devices.filter((dev) => dev.link === link.name).map((dev) => ({ name: dev.name }));
  const image = raw.firmwareImage === undefined ? undefined : imageFacts(resolve(dirname(rig.file), raw.firmwareImage), where('firmwareImage'));
  const meters = rawMeters.map((m, i) => meterConfig(rig, m, d, dongle, (p) => where(`meters[${i}]${p ? `.${p}` : ''}`), image, raw.startRegistered));
  const seen = new Map<string, string>();
  for (const m of meters) {
    for (const key of [m.name, m.eui64, m.address]) {
      const other = seen.get(key);
      if (other !== undefined) throw new ConfigError(where('meters'), 'conflict', `meter '${m.name}' shares ${key} with meter '${other}'`);
      seen.set(key, m.name);
    }
  }
  // A rig that says how its session starts is a rack whose boards stay powered between runs.
  return { timeScale: raw.timeScale ?? 1, seed: raw.seed ?? 1, epochMs, dongle, meters, persist: raw.persist ?? rig.session !== undefined };
}

/** The SHA-256 and size of a firmware image file the virtual meters are to run. */
export interface ImageFacts {
  hash: Uint8Array;
  size: number;
}

function imageFacts(file: string, where: string): ImageFacts {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new ConfigError(where, 'file', `cannot read firmware image ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { hash: Uint8Array.from(createHash('sha256').update(bytes).digest()), size: bytes.length };
}

function meterConfig(
  rig: Rig,
  m: RawMeter,
  d: NonNullable<RawVirtual['defaults']>,
  dongle: DongleConfig,
  where: (p: string) => string,
  image: ImageFacts | undefined,
  startRegistered: RawRegistered | undefined,
): MeterConfig {
  const dev = rig.devices.find((x) => x.name === m.name);
  const eui64 = (m.eui64 ?? dev?.eui64)?.replace(/[:-]/g, '').toLowerCase();
  if (!eui64) throw new ConfigError(where('eui64'), 'missing', `meter '${m.name}' is not a device of the rig and has no eui64`);
  if (dev && eui64 !== dev.eui64) throw new ConfigError(where('eui64'), 'conflict', `meter '${m.name}': eui64 differs from the device's ${dev.eui64}`);
  const addressText = m.address ?? dev?.address;
  if (!addressText || !isIPv6(addressText)) throw new ConfigError(where('address'), 'value', `meter '${m.name}' needs an IPv6 address`);
  const address = canonicalIpv6(addressText);
  if (dev && address !== canonicalIpv6(dev.address)) throw new ConfigError(where('address'), 'conflict', `meter '${m.name}': address differs from the device's ${dev.address}`);
  if (dev && dev.link !== dongle.link) throw new ConfigError(where('name'), 'conflict', `device '${m.name}' is on link '${dev.link}', not the dongle's '${dongle.link}'`);
  const nms = m.nms ?? 'fnd';
  if (!rig.nms.addresses.some((a) => a.name === nms)) throw new ConfigError(where('nms'), 'reference', `the rig has no NMS address named '${nms}'`);
  const faults: FaultName[] = [];
  for (const f of m.faults ?? []) if (isFaultName(f)) faults.push(f);
  const regInterval = m.regInterval ?? d.regInterval ?? { min: 10, max: 20 };
  if (regInterval.max < regInterval.min) throw new ConfigError(where('regInterval'), 'value', 'max must not be below min');
  const ini = m.initial ?? {};
  const expected = dev?.expected;
  const firmware: FirmwareSlot[] = ini.firmware
    ? ini.firmware.map(slotFromRaw)
    : defaultFirmware(expected?.firmwareVersion ?? '1.0.0', expected?.hwId ?? 'HIL-VMETER', image);
  if (firmware.filter((s) => s.isRunning).length !== 1) throw new ConfigError(where('initial.firmware'), 'value', 'exactly one slot must be running');
  const groups: { config?: number; firmware?: number } = {};
  const fwGroup = ini.groups?.firmware ?? numeric(expected?.firmwareGroup);
  const cfgGroup = ini.groups?.config ?? numeric(expected?.configGroup);
  if (fwGroup !== undefined) groups.firmware = fwGroup;
  if (cfgGroup !== undefined) groups.config = cfgGroup;
  return {
    name: m.name,
    eui64,
    address,
    port: m.port ?? dev?.port ?? 61628,
    clientPort: m.clientPort ?? 'ephemeral',
    nms,
    regInterval,
    signatures: { post: m.signatures?.post ?? d.signatures?.post ?? true, response: m.signatures?.response ?? d.signatures?.response ?? true },
    faults,
    faultOptions: m.faultOptions ?? {},
    hop: {
      latencyMs: m.latencyMs ?? d.latencyMs ?? dongle.latencyMs,
      jitterMs: m.jitterMs ?? d.jitterMs ?? dongle.jitterMs,
      lossRate: m.lossRate ?? d.lossRate ?? dongle.lossRate,
    },
    hardware: { ...DEFAULT_HARDWARE, ...(m.hardware ?? {}) },
    slotSize: m.slotSize ?? d.slotSize ?? DEFAULT_SLOT_SIZE,
    initial: {
      poweredOn: ini.poweredOn ?? true,
      demoMode: ini.demoMode ?? false,
      clockSkewMs: ini.clockSkew === undefined ? 0 : parseSignedDuration(ini.clockSkew),
      certDamaged: ini.certDamaged ?? false,
      flashCorrupted: ini.flashCorrupted ?? false,
      ssid: ini.ssid ?? 'CRDC',
      panId: ini.panId ?? 1234,
      txPower: ini.txPower ?? 28,
      firmware,
      groups,
      ...registeredFrom(ini.registered ?? startRegistered, m.name),
    },
    device: dev !== undefined,
  };
}

function registeredFrom(r: RawRegistered | undefined, name: string): Pick<MeterInitialState, 'registered'> {
  if (r === undefined) return {};
  return {
    registered: {
      sessionId: r.sessionId ?? `earlier-${name}`.slice(0, 32),
      reportIntervalS: r.reportInterval,
      ...(r.signatureSettings ? { signatureSettings: { ...r.signatureSettings } } : {}),
    },
  };
}

function numeric(v: string | undefined): number | undefined {
  if (v === undefined || !/^[0-9]+$/.test(v)) return undefined;
  return Number(v);
}

function slotFromRaw(s: RawSlot): FirmwareSlot {
  return {
    index: s.index,
    fileName: s.fileName ?? '',
    version: s.version ?? '',
    // The schema's pattern admits only 64 hex digits here.
    fileHash: (s.fileHash && fromHex(s.fileHash)) || new Uint8Array(32),
    fileSize: s.fileSize ?? 0,
    ...(s.blockSize !== undefined ? { blockSize: s.blockSize } : {}),
    ...(s.running ? { isRunning: true } : {}),
    ...(s.default ? { isDefault: true } : {}),
    hwId: s.hwId ?? '',
    ...(s.vendorHwId !== undefined ? { vendorHwId: s.vendorHwId } : {}),
  };
}

/**
 * Three slots like the reference agent (running, empty upload, default backup of the same image).
 * Without an image file the hash is a stand-in derived from hardware and version.
 */
export function defaultFirmware(version: string, hwId: string, image?: ImageFacts): FirmwareSlot[] {
  const hash = image ? image.hash.slice() : fakeHash(`${hwId}/${version}`);
  const size = image ? image.size : 305408;
  const name = `meter-fw-${version}`;
  return [
    { index: 1, fileName: name, version, fileHash: hash, fileSize: size, blockSize: 1024, isRunning: true, hwId },
    { index: 2, fileName: '', version: '', fileHash: new Uint8Array(32), fileSize: 0, blockSize: 0, hwId: '' },
    { index: 3, fileName: name, version, fileHash: hash.slice(), fileSize: size, blockSize: 1024, isDefault: true, hwId },
  ];
}

/** A stable stand-in hash of a name (the virtual images have no bytes). */
function fakeHash(text: string): Uint8Array {
  return Uint8Array.from(createHash('sha256').update(text).digest());
}
