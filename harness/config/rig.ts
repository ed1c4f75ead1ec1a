import { existsSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { basename, dirname, extname, resolve } from 'node:path';
import { readConfigText } from './config-text.js';
import { parseDuration } from '../../core/duration.js';
import { ConfigError, type ConfigErrorCode } from '../../core/errors.js';
import { isUsbSelector, parseUsbSelector } from '../../drivers/serial/usb-selector.js';
import { rigSchema, CSMP_PORT, DEFAULT_BAUD_RATE, DEFAULT_POWER_TIMEOUT_MS } from './rig-schema.js';
import { dottedPath, explainSchemaErrors } from './schema-errors.js';
import { compileSchema } from './validator.js';
import { readFileBounded } from '../../core/bounded-read.js';
import { MAX_CERT_BYTES, nmsCertificateProblem } from './nms-certificate.js';
import { KEY_MATERIAL_NOT_SHOWN, looksLikeKeyMaterial, looksLikePemText, PEM_NOT_A_PATH } from './secret-text.js';
import { YamlSource, type PathSegment } from './yaml-source.js';

export interface NmsAddress {
  name: 'fnd' | 'vip';
  address: string;
}

/** A signing key in a PKCS#11 token (HSM, SoftHSM). The PIN is read from `pinEnv` when the key is opened. */
export interface Pkcs11KeySpec {
  /** Absolute path of the PKCS#11 module. */
  module: string;
  token?: string;
  slot?: number;
  /** CKA_LABEL of the private key. */
  key: string;
  pinEnv: string;
}

export interface RigSigning {
  /** Absolute path of the PEM certificate devices verify with. */
  cert: string;
  /** Absolute path of a PEM private key; absent when the key is in a token. */
  key?: string;
  pkcs11?: Pkcs11KeySpec;
}

export interface RigNms {
  addresses: NmsAddress[];
  port: number;
  signing: RigSigning;
}

/** Where leases on devices and ports are kept (rig `locks`). */
export interface RigLocks {
  /** redis://…, rediss://…, file:DIR or an absolute folder. */
  url: string;
  ttlMs?: number;
  prefix?: string;
}

export interface SlipLinkSpec {
  name: string;
  kind: 'slip';
  /** A device path or 'tcp://host:port' (ser2net). */
  path: string;
  baudRate: number;
}

export interface UdpLinkSpec {
  name: string;
  kind: 'udp';
  bind: string;
}

export type LinkSpec = SlipLinkSpec | UdpLinkSpec;

export interface ConsoleSpec {
  path: string;
  baudRate: number;
  prompt: string;
  errorPattern?: string;
  /** Capability → command template; `{args}` stands for the step arguments. */
  commands: Record<string, string>;
}

export interface PowerSpec {
  on: string;
  off: string;
  cycle?: string;
  /** Dwell of a cycle without a cycle command (ms). */
  offMs?: number;
  timeoutMs: number;
}

export interface ExpectedFirmware {
  firmwareVersion: string;
  hwId: string;
  firmwareGroup: string;
  configGroup?: string;
}

export interface DeviceSpec {
  name: string;
  /** 16 lower-case hex digits, no separators. */
  eui64: string;
  address: string;
  link: string;
  port: 61628 | 61624;
  console?: ConsoleSpec;
  power?: PowerSpec;
  expected: ExpectedFirmware;
  capabilities: string[];
  /** Seconds: the longest interval the device's registration retry timer may reach (its trickle max). */
  regIntervalMax?: number;
}

export interface Rig {
  file: string;
  name: string;
  nms: RigNms;
  links: LinkSpec[];
  devices: DeviceSpec[];
  /** Absent: the default local lock files. */
  locks?: RigLocks;
  /** The session-start policy (harness/steps/session-start.ts); absent: devices are met as they come. */
  session?: { start: 'as-found' | 're-register' };
  /** Owned by the virtual rig; validated there. */
  virtual?: Record<string, unknown>;
}

export interface LoadRigOptions {
  /** Check that the signing key and certificate exist (default true). */
  checkFiles?: boolean;
}

const schema = rigSchema();

export async function loadRig(file: string, opts: LoadRigOptions = {}): Promise<Rig> {
  return parseRig(readConfigText(file, 'rig file'), file, opts);
}

/** Validates and normalises a rig; every problem is a ConfigError at file:line:col. */
export function parseRig(text: string, file: string, opts: LoadRigOptions = {}): Rig {
  const src = YamlSource.parse(text, file);
  const raw = src.value as RawRig;
  const validate = compileSchema(schema);
  if (!validate(raw)) {
    const p = explainSchemaErrors(validate.errors ?? [], { isStep: () => false, usageAt: () => undefined, secretAt: pinAt });
    throw src.error(p.path, 'schema', `${label(raw, p.atKey ? p.path.slice(0, -1) : p.path)}${p.reason}`, { key: p.atKey });
  }
  const rig = normalize(raw, file);
  checkSemantics(rig, src, opts);
  return rig;
}

/** A PIN written where the name of its variable belongs must not be echoed by a schema message. */
function pinAt(path: readonly PathSegment[]): string | undefined {
  return path.join('.') === 'nms.signing.pkcs11.pinEnv' ? 'it may be the PIN itself' : undefined;
}

/** "device 'meter-2': console.baudRate: " — names the owner so a message reads without the file open. */
function label(raw: RawRig, path: PathSegment[]): string {
  const [top, index, ...rest] = path;
  const owner =
    top === 'devices' && typeof index === 'number'
      ? `device '${raw.devices?.[index]?.name ?? index}'`
      : top === 'links' && typeof index === 'number'
        ? `link '${raw.links?.[index]?.name ?? index}'`
        : undefined;
  if (owner) return `${owner}: ${rest.length ? `${dottedPath(rest)}: ` : ''}`;
  return path.length ? `${dottedPath(path)}: ` : '';
}

interface RawRig {
  name?: string;
  nms: { addresses: NmsAddress[]; port?: number; signing: { key?: string; cert: string; pkcs11?: Omit<Pkcs11KeySpec, 'module'> & { module: string } } };
  locks?: string | { url: string; ttl?: string; prefix?: string };
  links: (Omit<SlipLinkSpec, 'baudRate'> & { baudRate?: number } | UdpLinkSpec)[];
  devices: (Omit<DeviceSpec, 'port' | 'console' | 'power' | 'expected'> & {
    port?: 61628 | 61624;
    console?: Omit<ConsoleSpec, 'baudRate' | 'commands'> & { baudRate?: number; commands?: Record<string, string> };
    power?: Omit<PowerSpec, 'timeoutMs'> & { timeoutMs?: number };
    expected: { firmwareVersion: string; hwId: string; firmwareGroup: string | number; configGroup?: string | number };
  })[];
  session?: { start: 'as-found' | 're-register' };
  virtual?: Record<string, unknown>;
}

function normalize(raw: RawRig, file: string): Rig {
  const base = dirname(resolve(file));
  const rig: Rig = {
    file,
    name: raw.name ?? basename(file, extname(file)),
    nms: {
      addresses: raw.nms.addresses.map((a) => ({ name: a.name, address: a.address })),
      port: raw.nms.port ?? CSMP_PORT,
      signing: normalizeSigning(raw.nms.signing, base),
    },
    links: raw.links.map((l) => (l.kind === 'slip' ? { ...l, baudRate: l.baudRate ?? DEFAULT_BAUD_RATE } : { ...l })),
    devices: raw.devices.map((d) => {
      const device: DeviceSpec = {
        name: d.name,
        eui64: d.eui64.replace(/[:-]/g, '').toLowerCase(),
        address: d.address,
        link: d.link,
        port: d.port ?? CSMP_PORT,
        expected: {
          firmwareVersion: d.expected.firmwareVersion,
          hwId: d.expected.hwId,
          firmwareGroup: String(d.expected.firmwareGroup),
          ...(d.expected.configGroup === undefined ? {} : { configGroup: String(d.expected.configGroup) }),
        },
        capabilities: [...d.capabilities],
      };
      if (d.console) device.console = { ...d.console, baudRate: d.console.baudRate ?? DEFAULT_BAUD_RATE, commands: { ...(d.console.commands ?? {}) } };
      if (d.power) device.power = { ...d.power, timeoutMs: d.power.timeoutMs ?? DEFAULT_POWER_TIMEOUT_MS };
      if (d.regIntervalMax !== undefined) device.regIntervalMax = d.regIntervalMax;
      return device;
    }),
  };
  if (raw.locks !== undefined) rig.locks = normalizeLocks(raw.locks, base);
  if (raw.session) rig.session = { start: raw.session.start };
  if (raw.virtual) rig.virtual = raw.virtual;
  return rig;
}

function normalizeSigning(s: RawRig['nms']['signing'], base: string): RigSigning {
  const out: RigSigning = { cert: resolve(base, s.cert) };
  if (s.key !== undefined) out.key = resolve(base, s.key);
  if (s.pkcs11) {
    // A bare module name (libsofthsm2.so) is left for the dynamic loader to find.
    const module = s.pkcs11.module.includes('/') ? resolve(base, s.pkcs11.module) : s.pkcs11.module;
    out.pkcs11 = { ...s.pkcs11, module };
  }
  return out;
}

function normalizeLocks(l: NonNullable<RawRig['locks']>, base: string): RigLocks {
  const spec = typeof l === 'string' ? { url: l } : l;
  // A relative lock folder means relative to the rig file, like every other path in it.
  const url = spec.url.startsWith('file:') && !spec.url.startsWith('file:/') ? `file:${resolve(base, spec.url.slice(5))}` : spec.url;
  const out: RigLocks = { url };
  if (typeof l !== 'string' && l.ttl !== undefined) out.ttlMs = parseDuration(l.ttl)!;
  if (typeof l !== 'string' && l.prefix !== undefined) out.prefix = l.prefix;
  return out;
}

function checkSemantics(rig: Rig, src: YamlSource, opts: LoadRigOptions): void {
  const fail = (path: PathSegment[], code: ConfigErrorCode, reason: string): never => {
    throw src.error(path, code, reason);
  };

  const nmsNames = new Set<string>();
  rig.nms.addresses.forEach((a, i) => {
    if (nmsNames.has(a.name)) fail(['nms', 'addresses', i, 'name'], 'conflict', `nms.addresses: '${a.name}' is listed twice`);
    nmsNames.add(a.name);
    if (!isIPv6(a.address)) fail(['nms', 'addresses', i, 'address'], 'value', `nms.addresses: '${a.address}' is not an IPv6 address`);
  });
  if (!nmsNames.has('fnd')) fail(['nms', 'addresses'], 'missing', "nms.addresses: needs an address named 'fnd'");
  const rawSigning = (src.value as RawRig).nms.signing;
  for (const which of ['key', 'cert'] as const) {
    const text = rawSigning[which];
    if (text !== undefined && looksLikePemText(text))
      fail(['nms', 'signing', which], 'value', `nms.signing.${which}: ${PEM_NOT_A_PATH}`);
  }
  const signing = rig.nms.signing;
  if ((signing.key === undefined) === (signing.pkcs11 === undefined))
    fail(['nms', 'signing'], 'conflict', 'nms.signing: give either key (a PEM file) or pkcs11 (a token), not both or neither');
  if (signing.pkcs11 && (signing.pkcs11.token === undefined) === (signing.pkcs11.slot === undefined))
    fail(['nms', 'signing', 'pkcs11'], 'conflict', 'nms.signing.pkcs11: give either token (its label) or slot (its id)');
  if (opts.checkFiles !== false) {
    for (const which of ['key', 'cert'] as const) {
      const path = signing[which];
      // The text may be a key pasted in place of its path; looksLikePemText caught only its PEM form.
      const shown = looksLikeKeyMaterial(rawSigning[which] ?? '') ? ` ${KEY_MATERIAL_NOT_SHOWN}` : `: ${path}`;
      if (path !== undefined && !existsSync(path)) fail(['nms', 'signing', which], 'file', `nms.signing.${which}: file not found${shown}`);
    }
    checkCertificate(signing.cert, (code, reason) => fail(['nms', 'signing', 'cert'], code, `nms.signing.cert: ${reason}`));
  }

  const linkNames = new Set<string>();
  rig.links.forEach((l, i) => {
    if (linkNames.has(l.name)) fail(['links', i, 'name'], 'conflict', `link '${l.name}' is defined twice`);
    linkNames.add(l.name);
    if (l.kind === 'slip') checkSerialPath(l.path, ['links', i, 'path'], `link '${l.name}'`, fail);
    if (l.kind === 'slip' && l.path.startsWith('tcp://') && !/^tcp:\/\/(\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+):[0-9]{1,5}$/.test(l.path))
      fail(['links', i, 'path'], 'value', `link '${l.name}': path '${l.path}' is not tcp://host:port`);
  });

  const seen = { name: new Map<string, number>(), eui64: new Map<string, number>(), address: new Map<string, number>() };
  rig.devices.forEach((d, i) => {
    for (const key of ['name', 'eui64', 'address'] as const) {
      const other = seen[key].get(d[key]);
      if (other !== undefined) fail(['devices', i, key], 'conflict', `device '${d.name}': ${key} ${d[key]} is also used by device '${rig.devices[other]!.name}'`);
      seen[key].set(d[key], i);
    }
    if (!isIPv6(d.address)) fail(['devices', i, 'address'], 'value', `device '${d.name}': '${d.address}' is not an IPv6 address`);
    if (!linkNames.has(d.link))
      fail(['devices', i, 'link'], 'reference', `device '${d.name}': link '${d.link}' is not defined (links: ${[...linkNames].join(', ')})`);
    if (d.capabilities.includes('console') && !d.console)
      fail(['devices', i, 'capabilities'], 'missing', `device '${d.name}': capability 'console' needs a console section`);
    if (d.capabilities.includes('power') && !d.power)
      fail(['devices', i, 'capabilities'], 'missing', `device '${d.name}': capability 'power' needs a power section`);
    if (d.console) checkSerialPath(d.console.path, ['devices', i, 'console', 'path'], `device '${d.name}': console`, fail);
    if (d.console?.errorPattern !== undefined) {
      try {
        new RegExp(d.console.errorPattern);
      } catch (e) {
        fail(['devices', i, 'console', 'errorPattern'], 'value', `device '${d.name}': console.errorPattern: invalid regular expression: ${(e as Error).message}`);
      }
    }
  });
}

/** The certificate goes to devices and reports: a file that holds a key, or no certificate, is refused where the rig names it. */
function checkCertificate(file: string, fail: (code: ConfigErrorCode, reason: string) => never): void {
  let text: string;
  try {
    text = readFileBounded(file, MAX_CERT_BYTES).toString('utf8');
  } catch (e) {
    fail('file', (e as Error).message);
  }
  const problem = nmsCertificateProblem(file, text);
  if (problem !== undefined) fail('value', problem);
}

/** A usb: selector is checked here, where the error can point at the line. */
function checkSerialPath(path: string, at: PathSegment[], owner: string, fail: (path: PathSegment[], code: ConfigErrorCode, reason: string) => never): void {
  if (!isUsbSelector(path)) return;
  try {
    parseUsbSelector(path);
  } catch (e) {
    fail(at, 'value', `${owner}: ${(e as Error).message.replace(/^"path" /, 'path ')}`);
  }
}
