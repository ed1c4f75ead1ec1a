import { toHex } from '../../../core/bytes.js';
import { readFileBounded } from '../../../core/bounded-read.js';
import { isIPv6 } from 'node:net';
import type { Command } from 'commander';
import { defaultRigFile } from '../../app/defaults.js';
import { targetDevice, withBench } from '../../app/one-shot.js';
import { expectedFailureExit } from '../expected-failure.js';
import { processStop } from '../cli-context.js';
import { upgrade, type LoadWhen, type UpgradeOutcome } from '../../app/upgrade.js';
import { loadRig, type Rig } from '../../config/rig.js';
import { parseDuration } from '../../../core/duration.js';
import { ConfigError, DecodeError, ResourceError } from '../../../core/errors.js';
import { describeFirmwareResponse } from '../../csmp/firmware-response.js';
import { firmwareImage, type FirmwareImage } from '../../nms/transfer/image.js';
import { describeSlot } from '../../nms/transfer/slots.js';
import { TransferProgress } from '../transfer-progress.js';

interface UpgradeCliOptions {
  rig?: string;
  load?: string;
  group?: string;
  groupAddress: string;
  blockHashBytes?: string;
}

/** Site-local multicast: the default address of firmware group transfers. */
const DEFAULT_GROUP_ADDRESS = 'ff05::1';

export function registerUpgrade(program: Command, exit: (code: number) => never | void): void {
  program
    .command('upgrade')
    .description('push a firmware image to a device (or a firmware group) over CSMP, resumably, optionally load it, and print its FirmwareImageInfo')
    .argument('<device>', "rig device name, EUI-64 or IPv6 address; with --group: names separated by commas, or 'all'")
    .argument('<image>', 'firmware image file (256-byte header, csmp-protocol.md 6.7)')
    .option('--rig <file>', 'rig file (default: rigs/virtual.yaml)')
    .option('--load <when>', "load it once transferred: 'now', a duration ('10m': that long from the device's clock) or a date-time (2026-11-24T22:00:00Z)")
    .option('--group <id>', 'firmware group id: blocks go once to the group address (members not in it get a GroupAssign first)')
    .option('--group-address <ipv6>', 'multicast address of the group', DEFAULT_GROUP_ADDRESS)
    .option('--block-hash-bytes <n>', 'bytes of the file hash in each ImageBlock, 4-32 (default 8; 32 for devices that want the whole hash)')
    .action(async (target: string, imagePath: string, opts: UpgradeCliOptions) => {
      const err = (s: string): void => void process.stderr.write(`hil upgrade: ${s}\n`);
      let rig: Rig;
      let devices: string[];
      let image: FirmwareImage;
      let load: LoadWhen | undefined;
      let group: { id: number; address: string } | undefined;
      let blockHashBytes: number | undefined;
      try {
        load = opts.load === undefined ? undefined : parseLoad(opts.load);
        group = opts.group === undefined ? undefined : parseGroup(opts.group, opts.groupAddress);
        if (opts.blockHashBytes !== undefined) {
          blockHashBytes = Number(opts.blockHashBytes);
          if (!Number.isInteger(blockHashBytes) || blockHashBytes < 4 || blockHashBytes > 32) throw new ConfigError('--block-hash-bytes', 'value', `'${opts.blockHashBytes}' is not a whole number from 4 to 32`);
        }
        rig = await loadRig(opts.rig ?? defaultRigFile());
        ({ rig, devices } = targets(rig, target, group !== undefined));
        image = firmwareImage(await readImage(imagePath), imagePath.split('/').pop()!);
      } catch (e) {
        if (e instanceof ConfigError || e instanceof ResourceError) {
          err(e.message);
          return exit(2);
        }
        if (e instanceof DecodeError) {
          err(`${imagePath} is not a firmware image: ${e.message}`);
          return exit(2);
        }
        throw e;
      }

      // The first signal winds the transfer down (it resumes on the next run); a second cuts it short.
      const stop = processStop();
      let outcome: UpgradeOutcome;
      let progress: TransferProgress | undefined;
      try {
        outcome = await withBench(rig, devices, async (b) => {
          progress = new TransferProgress({ stream: process.stderr });
          progress.line(`${image.fileName}: version ${image.version}, hardware ${image.hwId}, ${image.bytes.length} bytes, sha256 ${toHex(image.hash)}`);
          try {
            return await upgrade(b, {
              devices,
              image,
              ...(load ? { load } : {}),
              ...(group ? { group } : {}),
              ...(blockHashBytes !== undefined ? { blockHashBytes } : {}),
              signal: stop.signal,
              onEvent: progress.event,
              onLine: (s) => progress!.line(s),
            });
          } finally {
            progress.done();
          }
        }, { stop, windsDown: true });
      } catch (e) {
        const code = expectedFailureExit(e, stop, err);
        if (code !== undefined) return exit(code);
        err((e as Error).message);
        return exit(1);
      }

      const out = (s: string): void => void process.stdout.write(`${s}\n`);
      for (const d of outcome.upload.devices) {
        const l = outcome.loads.find((x) => x.device === d.device);
        const what =
          d.status === 'refused' && d.response !== undefined ? `refused: ${describeFirmwareResponse(d.response)}` : `${d.status}${d.reason ? `: ${d.reason}` : ''}`;
        out(`${d.device}: transfer ${what}${d.heldAtStart > 0 ? ` (resumed with ${d.heldAtStart} blocks held)` : ''}`);
        if (l) out(`${d.device}: load ${l.answer.ok ? (l.problem ? `accepted, but ${l.problem}` : 'done, running the new image') : `refused: ${l.answer.describe}`}`);
        const slots = outcome.slots.get(d.device);
        if (!slots) out(`${d.device}: FirmwareImageInfo not read (no answer)`);
        else for (const s of slots) out(`  ${describeSlot(s)}`);
      }
      if (stop.signal.aborted) return exit(stop.exitCode());
      return exit(outcome.ok ? 0 : 1);
    });
}

function parseLoad(text: string): LoadWhen {
  if (text === 'now') return { kind: 'now' };
  const ms = parseDuration(text);
  if (ms !== undefined) return { kind: 'in', ms };
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text))) return { kind: 'at', posixSec: Math.floor(Date.parse(text) / 1000) };
  throw new ConfigError('--load', 'value', `'${text}' is not 'now', a duration (10m) or a date-time (2026-11-24T22:00:00Z)`);
}

function parseGroup(id: string, address: string): { id: number; address: string } {
  if (!/^[0-9]+$/.test(id) || Number(id) > 0xffff_ffff) throw new ConfigError('--group', 'value', `'${id}' is not a group id (a whole number)`);
  if (!isIPv6(address) || !address.toLowerCase().startsWith('ff')) throw new ConfigError('--group-address', 'value', `'${address}' is not an IPv6 multicast address`);
  return { id: Number(id), address };
}

function targets(rig: Rig, text: string, group: boolean): { rig: Rig; devices: string[] } {
  if (text === 'all') {
    if (!group) throw new ConfigError('<device>', 'value', "'all' needs --group: the blocks go once to the group");
    return { rig, devices: rig.devices.map((d) => d.name) };
  }
  const names = text.split(',').filter((s) => s.length > 0);
  if (names.length > 1 && !group) throw new ConfigError('<device>', 'value', 'several devices need --group: the blocks go once to the group');
  let r = rig;
  const devices: string[] = [];
  for (const n of names) {
    const t = targetDevice(r, n);
    r = t.rig;
    devices.push(t.device.name);
  }
  if (devices.length === 0) throw new ConfigError('<device>', 'value', 'no device named');
  return { rig: r, devices };
}

/** Far above any meter's upload slot; a path naming /dev/zero or a pipe is refused past it. */
const MAX_IMAGE_BYTES = 64 << 20;

async function readImage(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(readFileBounded(path, MAX_IMAGE_BYTES));
  } catch (e) {
    if (!(e instanceof ResourceError)) throw e;
    const why = e.code === 'limit' ? e.reason : ((e.cause as NodeJS.ErrnoException | undefined)?.code ?? 'error');
    throw new ResourceError(path, e.code, `cannot read the image file (${why})`);
  }
}
