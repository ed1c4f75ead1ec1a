/**
 * A meter's flash as files in the run folder, so a person debugging a run can open them:
 *
 *   <dir>/config.xml       DevCfgSchema document (dev-cfg.ts)
 *   <dir>/nms-cert.pem     the NMS certificate the meter trusts
 *   <dir>/nms-key.pub.pem  the NMS public key extracted from it at install time
 *   <dir>/firmware.json    firmware slot metadata (firmware-slots.ts)
 *   <dir>/image-<n>.bin    the bytes of slot n's image, when it was uploaded (image-files.ts)
 *   <dir>/backup.img       a dump of the above, taken at format time and before each corrupt()
 *
 * When the host's disk refuses a write (full, read-only, I/O error), the board goes on with that
 * file held in memory: a simulated meter must not misbehave because the lab's disk filled up,
 * or the run would blame the firmware for the host. `onWriteFailure` hears of it once per file.
 *
 * `read()` decodes what is there and nothing else: a file that is missing, is not valid UTF-8
 * (erased flash reads 0xFF) or does not parse gives absent fields. Nothing reports "corrupted";
 * that is for the harness to infer, as FND operators do from NULL fields (csmp-protocol.md 9).
 *
 * NMS certificate states, as CGMSStatus.NMSCertValid would show them:
 *   file unreadable or missing → nmsCertValid absent
 *   readable text, but not a P-256 certificate, or not the installed key → false
 *   a certificate matching the installed public key → true (validity dates are the agent's
 *   business: it has the device clock)
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { ResourceError, resourceCodeOf } from '../../../core/errors.js';
import { writeFileAtomic } from '../../../core/atomic-write.js';
import { ConfigValueError, DEV_CFG_FIELDS, checkValue, emitDevConfig, fieldForKey, parseDevConfig, valueFromText, type DevConfig, type DevConfigField } from './dev-cfg.js';
import { emitFirmwareSlots, parseFirmwareSlots, type FirmwareSlot } from './firmware-slots.js';
import { ImageFiles } from './image-files.js';
import { damagePem, inspectCert, parsePublicKeyPem, publicKeyPem, type NmsCertInfo } from './nms-cert.js';
import { makeDirs } from '../../../core/make-dirs.js';

export const FLASH_FILES = {
  config: 'config.xml',
  nmsCert: 'nms-cert.pem',
  nmsKey: 'nms-key.pub.pem',
  firmware: 'firmware.json',
} as const;
export type FlashFile = keyof typeof FLASH_FILES;
const BACKUP = 'backup.img';

/** What a factory programs into a new board. */
export interface FlashImage {
  config: DevConfig;
  /** NMS certificate (PEM); its public key is extracted into nms-key.pub.pem. */
  nmsCertPem?: string;
  firmware?: FirmwareSlot[];
}

/** Flash as the board can read it now; every field may be absent. */
export interface FlashReading {
  config: DevConfig;
  /** The configuration document, when it is readable. */
  configXml?: string;
  nmsCert?: NmsCertInfo;
  nmsCertValid?: boolean;
  nmsPublicKey?: KeyObject;
  firmware?: FirmwareSlot[];
}

export interface FlashOptions {
  /** The disk refused a write of `file`; from now on it lives in memory. Told once per file. */
  onWriteFailure?: (file: string, error: unknown) => void;
}

export type { DevConfig, DevConfigField, FirmwareSlot, NmsCertInfo };
export { ConfigValueError };

export class Flash {
  private cache: FlashReading | undefined;
  /** Image bytes per slot; not part of backup.img (images are large and have their own hash). */
  readonly images: ImageFiles;
  /** Files the disk refused, by name: their contents from then on (undefined: removed). */
  private readonly inMemory = new Map<string, Buffer | undefined>();

  private constructor(
    readonly dir: string,
    private readonly options: FlashOptions = {},
  ) {
    this.images = new ImageFiles(dir, options.onWriteFailure);
  }

  /** Programs a fresh flash in `dir` (created if needed) and takes the first backup. */
  static format(dir: string, image: FlashImage, options: FlashOptions = {}): Flash {
    makeDirs(dir);
    const f = new Flash(dir, options);
    f.write('config', emitDevConfig(image.config));
    for (const name of ['nmsCert', 'nmsKey'] as const) rmSync(f.path(name), { force: true });
    if (image.nmsCertPem !== undefined) f.installCert(image.nmsCertPem);
    f.write('firmware', emitFirmwareSlots(image.firmware ?? []));
    f.images.eraseAll();
    f.backup();
    return f;
  }

  /** A flash formatted earlier (a board keeps its flash across power cycles and runs). */
  static open(dir: string, options: FlashOptions = {}): Flash {
    if (!existsSync(join(dir, FLASH_FILES.config)) && !existsSync(join(dir, BACKUP))) {
      throw new ResourceError(dir, 'missing', 'no flash here (format it first)');
    }
    return new Flash(dir, options);
  }

  path(file: FlashFile): string {
    return join(this.dir, FLASH_FILES[file]);
  }

  read(): FlashReading {
    if (this.cache) return this.cache;
    const reading: FlashReading = { config: {} };
    const xml = this.text('config');
    const config = xml === undefined ? undefined : parseDevConfig(xml);
    if (config) {
      reading.config = config;
      reading.configXml = xml;
    }
    const key = this.text('nmsKey');
    const publicKey = key === undefined ? undefined : parsePublicKeyPem(key);
    if (publicKey) reading.nmsPublicKey = publicKey;
    const pem = this.text('nmsCert');
    if (pem !== undefined) {
      const cert = inspectCert(pem);
      if (cert) reading.nmsCert = cert;
      reading.nmsCertValid = !!cert && !!publicKey && cert.publicKey.equals(publicKey);
    }
    const fw = this.text('firmware');
    const slots = fw === undefined ? undefined : parseFirmwareSlots(fw);
    if (slots) reading.firmware = slots;
    this.cache = reading;
    return reading;
  }

  config(): DevConfig {
    return { ...this.read().config };
  }

  /**
   * Stores typed fields. Like a meter rewriting its configuration file, the new document holds
   * what could be read plus the change: after corruption, fields that were lost stay lost.
   */
  setConfig(patch: Partial<DevConfig>): DevConfig {
    const next: DevConfig = { ...this.read().config };
    for (const [k, v] of Object.entries(patch) as [DevConfigField, DevConfig[DevConfigField]][]) {
      if (!(k in DEV_CFG_FIELDS)) throw new ConfigValueError(`unknown configuration field '${k}'`);
      if (v === undefined) delete next[k];
      else {
        checkValue(k, v);
        (next as Record<string, unknown>)[k] = v;
      }
    }
    this.write('config', emitDevConfig(next));
    return next;
  }

  /** The console's `set config <key> <value>`: key is a document path or a field name. */
  setConfigValue(key: string, text: string): { field: DevConfigField; path: string; value: DevConfig[DevConfigField] } {
    const field = fieldForKey(key);
    if (!field) {
      throw new ConfigValueError(`unknown config key '${key}' (known: ${Object.values(DEV_CFG_FIELDS).map((s) => s.path).join(', ')})`);
    }
    const value = valueFromText(field, text);
    this.setConfig({ [field]: value });
    return { field, path: DEV_CFG_FIELDS[field].path, value };
  }

  setDemoMode(on: boolean): void {
    this.setConfig({ demoMode: on });
  }

  /**
   * Stores a new NMS certificate and, when it parses, its public key. A certificate that does not
   * parse is stored anyway (a lab may install a bad one on purpose) and leaves no key behind.
   */
  installCert(pem: string): NmsCertInfo | undefined {
    const cert = inspectCert(pem);
    this.write('nmsCert', pem);
    if (cert) this.write('nmsKey', publicKeyPem(cert.publicKey));
    else this.remove('nmsKey');
    return cert;
  }

  /** Breaks the stored certificate so it no longer parses; the rest of flash is untouched. */
  damageCert(): void {
    const pem = this.text('nmsCert');
    if (pem === undefined) throw new ResourceError(this.path('nmsCert'), 'missing', 'no readable NMS certificate to damage');
    this.write('nmsCert', damagePem(pem));
  }

  setFirmware(slots: readonly FirmwareSlot[]): void {
    this.write('firmware', emitFirmwareSlots(slots));
  }

  /**
   * Erases a region of each file (or of `files`) to 0xFF, as an interrupted sector write leaves
   * NOR flash. The healthy image is dumped to backup.img first so `restore()` can undo it; a flash
   * that already holds erased bytes keeps its older, healthy backup.
   */
  corrupt(files: readonly FlashFile[] = Object.keys(FLASH_FILES) as FlashFile[]): void {
    if (!this.holdsErasedBytes()) this.backup();
    for (const name of files) {
      const bytes = this.bytes(name);
      if (!bytes || bytes.length === 0) continue;
      // The middle half: enough to cut any element, PEM body or JSON value, on any file size.
      const from = Math.floor(bytes.length / 4);
      const to = Math.max(from + 1, Math.ceil((bytes.length * 3) / 4));
      bytes.fill(0xff, from, to);
      this.write(name, bytes);
    }
  }

  /** Dumps the current files to backup.img. */
  backup(): void {
    const files: Record<string, string> = {};
    for (const name of Object.keys(FLASH_FILES) as FlashFile[]) {
      const b = this.bytes(name);
      if (b) files[name] = Buffer.from(b).toString('base64');
    }
    this.store(BACKUP, Buffer.from(`${JSON.stringify({ format: 'csmp-hil-flash-backup', version: 1, files })}\n`));
  }

  /** Writes the files of backup.img back; files the backup does not hold are removed. */
  restore(): void {
    let image: { files?: Record<string, string> };
    try {
      const held = this.inMemory.get(BACKUP);
      image = JSON.parse(this.inMemory.has(BACKUP) ? (held ?? Buffer.alloc(0)).toString('utf8') : readFileSync(join(this.dir, BACKUP), 'utf8')) as typeof image;
    } catch (e) {
      throw new ResourceError(join(this.dir, BACKUP), resourceCodeOf(e), `cannot read the backup image (${(e as NodeJS.ErrnoException).code ?? 'not JSON'})`);
    }
    for (const name of Object.keys(FLASH_FILES) as FlashFile[]) {
      const b64 = image.files?.[name];
      if (typeof b64 === 'string') this.write(name, Buffer.from(b64, 'base64'));
      else this.remove(name);
    }
  }

  private holdsErasedBytes(): boolean {
    return (Object.keys(FLASH_FILES) as FlashFile[]).some((n) => this.bytes(n)?.includes(0xff) ?? false);
  }

  private bytes(name: FlashFile): Buffer | undefined {
    const file = FLASH_FILES[name];
    if (this.inMemory.has(file)) return this.inMemory.get(file)?.subarray();
    try {
      return readFileSync(this.path(name));
    } catch {
      return undefined;
    }
  }

  /** File contents as text, or undefined when missing or not UTF-8 (0xFF never is). */
  private text(name: FlashFile): string | undefined {
    const b = this.bytes(name);
    if (!b) return undefined;
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(b);
    } catch {
      return undefined;
    }
  }

  private write(name: FlashFile, data: string | Uint8Array): void {
    this.cache = undefined;
    this.store(FLASH_FILES[name], typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data));
  }

  /** Writes a file of the flash folder, or keeps it in memory once the disk refuses it. */
  private store(file: string, data: Buffer): void {
    if (this.inMemory.has(file)) {
      this.inMemory.set(file, data);
      return;
    }
    try {
      // Whole-file replacement guards against torn files; durability across a host crash is not
      // something a simulated board needs, and fsync would cost every config write milliseconds.
      writeFileAtomic(join(this.dir, file), data, { fsync: false });
    } catch (e) {
      this.inMemory.set(file, data);
      this.options.onWriteFailure?.(join(this.dir, file), e);
    }
  }

  private remove(name: FlashFile): void {
    this.cache = undefined;
    const file = FLASH_FILES[name];
    if (this.inMemory.has(file)) {
      this.inMemory.set(file, undefined);
      return;
    }
    try {
      rmSync(this.path(name), { force: true });
    } catch (e) {
      this.inMemory.set(file, undefined);
      this.options.onWriteFailure?.(this.path(name), e);
    }
  }
}
