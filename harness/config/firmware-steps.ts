/**
 * Firmware steps: building and transferring an image, scheduling, cancelling and backing up loads,
 * putting the device's firmware back for teardown, and what the device must have answered or done.
 * steps.ts puts them into the one table.
 */
import { formatDuration } from '../../core/duration.js';
import { duration, ms, otherwise, withOtherwise, type JsonSchema, type Obj, type StepDefinition } from './step-kit.js';

/**
 * A firmware image the `transfer` step builds at run time (harness/csmp/image/build.ts): no
 * binaries are checked in. Later firmware steps name an image by its version.
 */
export interface ImageSpec {
  version: string;
  /** Whole file in bytes, header included (default 8192). */
  size?: number;
  /** Seed of the pseudo-random binary (default: derived from the version). */
  seed?: number;
  /** Hardware id in the header (default: the device's expected hwId). */
  hwId?: string;
  /** false: the image does not start (the virtual boot loader refuses it). */
  boots?: boolean;
}
export interface TransferParams {
  image: ImageSpec;
  /** Flip a byte of this block on the way: the device must find the image's hash wrong. */
  corruptBlock?: number;
  /** Announce another SHA-256 than the image's in TransferRequest and blocks. */
  announceWrongHash?: boolean;
  /** Stop sending after this block and switch the device off (power loss mid-transfer). */
  cutPowerAfterBlock?: number;
}
export interface LoadParams { image: string; inMs: number }
/** An image named by version: one the test transferred, or one the device reports in a slot. */
export interface ImageRefParams { image: string }
/** Response names of TLVs 71-74 (harness/csmp/firmware-response.ts; a test keeps the two equal). */
export const FIRMWARE_RESPONSE_NAMES = [
  'OK',
  'INCOMPATIBLE_HW',
  'IMAGE_INCOMPLETE',
  'UNKNOWN_HASH',
  'FILE_SIZE_TOO_BIG',
  'SIGNATURE_FAILED',
  'INVALID_REQ',
  'INVALID_BLOCK_SIZE',
  'PENDING_REBOOT',
  'IMAGE_RUNNING',
  'NO_VOLUME',
  'DUP_XFER',
  'MATCH_RUN_XFER',
  'MATCH_BAK_XFER',
] as const;
export type FirmwareResponseLabel = (typeof FIRMWARE_RESPONSE_NAMES)[number];
export interface ExpectAnswerParams { response: FirmwareResponseLabel; otherwise?: string }
export interface ExpectTransferParams { resumed: true; otherwise?: string }
export interface ExpectLoadParams { fires: 'on-time' | 'never'; otherwise?: string }
export interface ExpectSlotParams {
  image: string;
  running?: boolean;
  backup?: boolean;
  /** Holds the whole transferred image: its hash, version, size, hardware id and a full block bitmap. */
  complete?: boolean;
  /** The slot's index, or the one that ran the old image when the test's last load was requested. */
  slot?: number | 'running-before-load';
  otherwise?: string;
}

export interface FirmwareStepParams {
  transfer: TransferParams;
  load: LoadParams;
  'cancel-load': ImageRefParams;
  'set-backup': ImageRefParams;
  'restore-firmware': ImageRefParams;
  'expect-answer': ExpectAnswerParams;
  'expect-transfer': ExpectTransferParams;
  'expect-load': ExpectLoadParams;
  'expect-slot': ExpectSlotParams;
}

const imageVersion: JsonSchema = {
  type: 'string',
  minLength: 1,
  description: "An image by its version: one the test transferred, or one the device reports (e.g. '${expected.firmwareVersion}').",
};
const imageRef = (what: string): JsonSchema => ({
  oneOf: [imageVersion, { type: 'object', properties: { image: imageVersion }, required: ['image'], additionalProperties: false }],
  description: what,
});
const imageRefOf = (raw: unknown): ImageRefParams => ({ image: String(typeof raw === 'object' && raw !== null ? (raw as Obj).image : raw) });
/** Device seconds between a LoadRequest and its load time when the step gives none. */
const DEFAULT_LOAD_DELAY = '2m';

export const FIRMWARE_STEPS: { readonly [K in keyof FirmwareStepParams]: StepDefinition<FirmwareStepParams[K]> } = {
  transfer: {
    kind: 'action',
    description:
      'Build a firmware image (never a checked-in binary) and upload it to the device as the head-end does: TransferRequest with hwInfo, ImageBlocks paced to the link, progress from FirmwareImageInfo bitmaps, resuming from what the device holds. ' +
      'Fails unless the device holds the whole image, or the next step judges the outcome (expect-answer, expect-transfer). ' +
      'corruptBlock flips a byte of one block; announceWrongHash announces another SHA-256; cutPowerAfterBlock switches the device off after that block (switch it on with `power: on`).',
    usage: '{image: {version, size?, seed?, hwId?, boots?}, corruptBlock?, announceWrongHash?, cutPowerAfterBlock?}',
    schema: {
      type: 'object',
      properties: {
        image: {
          type: 'object',
          properties: {
            version: { type: 'string', pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$', description: 'major.minor.build, written into the header.' },
            size: { type: 'integer', minimum: 512, maximum: 1048576, description: 'Whole file in bytes, header included (default 8192).' },
            seed: { type: 'integer', minimum: 1, description: 'Seed of the pseudo-random binary (default: from the version).' },
            hwId: { type: 'string', minLength: 1, description: "Hardware id in the header (default ${expected.hwId})." },
            boots: { type: 'boolean', description: 'false: an image that does not start.' },
          },
          required: ['version'],
          additionalProperties: false,
        },
        corruptBlock: { type: 'integer', minimum: 0 },
        announceWrongHash: { const: true },
        cutPowerAfterBlock: { type: 'integer', minimum: 0 },
      },
      required: ['image'],
      additionalProperties: false,
    },
    normalize: (raw) => {
      const o = raw as Obj;
      const i = o.image as Obj;
      const image: ImageSpec = { version: String(i.version) };
      if (i.size !== undefined) image.size = i.size as number;
      if (i.seed !== undefined) image.seed = i.seed as number;
      if (i.hwId !== undefined) image.hwId = String(i.hwId);
      if (i.boots !== undefined) image.boots = i.boots === true;
      const p: TransferParams = { image };
      if (o.corruptBlock !== undefined) p.corruptBlock = o.corruptBlock as number;
      if (o.announceWrongHash === true) p.announceWrongHash = true;
      if (o.cutPowerAfterBlock !== undefined) p.cutPowerAfterBlock = o.cutPowerAfterBlock as number;
      return p;
    },
    describe: (p) =>
      `transfer: ${p.image.version}${p.image.hwId ? ` for ${p.image.hwId}` : ''}${p.image.boots === false ? ' (does not boot)' : ''}` +
      `${p.corruptBlock !== undefined ? `, block ${p.corruptBlock} corrupted` : ''}${p.announceWrongHash ? ', wrong hash announced' : ''}` +
      `${p.cutPowerAfterBlock !== undefined ? `, power cut after block ${p.cutPowerAfterBlock}` : ''}`,
    needs: (p) => (p.cutPowerAfterBlock !== undefined ? { capabilities: ['power'] } : {}),
  },
  load: {
    kind: 'action',
    description:
      "LoadRequest for an image at a time of the device's clock this far ahead (default 2m; scaled on the virtual rig). Fails unless the device answers OK, or the next step is expect-answer.",
    usage: "'<version>' | {image, in?}",
    schema: {
      oneOf: [imageVersion, { type: 'object', properties: { image: imageVersion, in: duration }, required: ['image'], additionalProperties: false }],
    },
    normalize: (raw) => {
      const o = typeof raw === 'object' && raw !== null ? (raw as Obj) : { image: raw };
      return { image: String(o.image), inMs: ms(o.in ?? DEFAULT_LOAD_DELAY) };
    },
    describe: (p) => `load: ${p.image} in ${formatDuration(p.inMs)}`,
  },
  'cancel-load': {
    kind: 'action',
    description: 'CancelLoadRequest for an image whose load is scheduled. Fails unless the device answers OK, or the next step is expect-answer.',
    usage: "'<version>' | {image}",
    schema: imageRef('The image whose load is cancelled.'),
    normalize: imageRefOf,
    describe: (p) => `cancel-load: ${p.image}`,
  },
  'set-backup': {
    kind: 'action',
    description: 'SetBackupRequest: the image becomes the backup the device falls back to. Fails unless the device answers OK, or the next step is expect-answer.',
    usage: "'<version>' | {image}",
    schema: imageRef('The image to keep as the backup.'),
    normalize: imageRefOf,
    describe: (p) => `set-backup: ${p.image}`,
  },
  'restore-firmware': {
    kind: 'action',
    description:
      'For teardown: cancels the loads the test left scheduled, and when the device runs another image than this one, loads it back and waits for the device to register running it.',
    usage: "'<version>' | {image}",
    schema: imageRef('The image the device is to run again, usually ${expected.firmwareVersion}.'),
    normalize: imageRefOf,
    describe: (p) => `restore-firmware: ${p.image}`,
  },
  'expect-answer': {
    kind: 'expectation',
    description: "The device's response code (TLVs 71-74) to the test's last transfer, load, cancel-load or set-backup, by name.",
    usage: `<name> | {response, otherwise?}; name: ${FIRMWARE_RESPONSE_NAMES.join('|')}`,
    schema: {
      oneOf: [
        { enum: [...FIRMWARE_RESPONSE_NAMES] },
        { type: 'object', properties: { response: { enum: [...FIRMWARE_RESPONSE_NAMES] }, otherwise }, required: ['response'], additionalProperties: false },
      ],
    },
    normalize: (raw) =>
      typeof raw === 'string'
        ? { response: raw as FirmwareResponseLabel }
        : withOtherwise<ExpectAnswerParams>({ response: (raw as Obj).response as FirmwareResponseLabel }, raw),
    describe: (p) => `expect-answer: ${p.response}`,
  },
  'expect-transfer': {
    kind: 'expectation',
    description:
      "The test's last transfer of an image resumed where the earlier one stopped: the device still held every block sent before, and only the missing blocks were sent, each once (the NMS's counts).",
    usage: '{resumed: true, otherwise?}',
    schema: { type: 'object', properties: { resumed: { const: true }, otherwise }, required: ['resumed'], additionalProperties: false },
    normalize: (raw) => withOtherwise<ExpectTransferParams>({ resumed: true }, raw),
    describe: () => 'expect-transfer: resumed',
  },
  'expect-load': {
    kind: 'expectation',
    description:
      "After the test's last load: `on-time` — the device reboots within the load window (half to twice the delay: the reference agent's timer spread), with no restart the harness asked for since the LoadRequest, " +
      'and registers again running the loaded image (another one, for an image built not to boot); ' +
      "`never` — no registration until the window has passed, and the device's Uptime then shows no boot since the load could fire (a cancelled load).",
    usage: 'on-time | never | {fires, otherwise?}',
    schema: {
      oneOf: [
        { enum: ['on-time', 'never'] },
        { type: 'object', properties: { fires: { enum: ['on-time', 'never'] }, otherwise }, required: ['fires'], additionalProperties: false },
      ],
    },
    normalize: (raw) =>
      typeof raw === 'string' ? { fires: raw as ExpectLoadParams['fires'] } : withOtherwise<ExpectLoadParams>({ fires: (raw as Obj).fires as ExpectLoadParams['fires'] }, raw),
    describe: (p) => `expect-load: ${p.fires}`,
  },
  'expect-slot': {
    kind: 'expectation',
    description:
      'A slot of FirmwareImageInfo (TLV 75, read now) holds the image with these properties: running, backup, its index (or the slot that ran the old image before the last load), ' +
      'complete (hash, version, size, hardware id of the transferred image and a full block bitmap).',
    usage: "{image, running?, backup?, complete?, slot?: <index>|running-before-load, otherwise?}",
    schema: {
      type: 'object',
      properties: {
        image: imageVersion,
        running: { type: 'boolean' },
        backup: { type: 'boolean' },
        complete: { const: true },
        slot: { oneOf: [{ type: 'integer', minimum: 0 }, { const: 'running-before-load' }] },
        otherwise,
      },
      required: ['image'],
      additionalProperties: false,
    },
    normalize: (raw) => {
      const o = raw as Obj;
      const p: ExpectSlotParams = { image: String(o.image) };
      if (o.running !== undefined) p.running = o.running === true;
      if (o.backup !== undefined) p.backup = o.backup === true;
      if (o.complete === true) p.complete = true;
      if (o.slot !== undefined) p.slot = o.slot as ExpectSlotParams['slot'];
      return withOtherwise(p, raw);
    },
    describe: (p) =>
      `expect-slot: ${p.image}${p.running !== undefined ? (p.running ? ' running' : ' not running') : ''}${p.backup !== undefined ? (p.backup ? ' backup' : ' not backup') : ''}` +
      `${p.complete ? ' complete' : ''}${p.slot !== undefined ? ` in slot ${p.slot}` : ''}`,
  },
};
