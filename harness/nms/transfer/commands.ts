/**
 * The firmware commands of the NMS (csmp-protocol.md 6.7) to one device, CON and signed:
 * TransferRequest (always with hwInfo: the reference agent dies without it), LoadRequest,
 * CancelLoadRequest, SetBackupRequest, and their answers decoded by name. A device that
 * accepts a TransferRequest may answer nothing (the reference agent: 2.01 empty); the others
 * always carry a response TLV.
 */
import { describeFirmwareResponse, FIRMWARE_RESPONSE, firmwareResponseName } from '../../csmp/firmware-response.js';
import type { TlvToBuild } from '../../csmp/payload.js';
import { TLV } from '../../csmp/tlv-ids.js';
import type { ClientAnswer, NmsClient } from '../client.js';
import type { FirmwareImage } from './image.js';

export interface FirmwareAnswer {
  device: string;
  /** CoAP code of the answer (2.01 when the device processed the POST). */
  coap: string;
  /** The response field of TLV 71-74; absent when the device sent none. */
  response?: number;
  /** "OK", "INCOMPATIBLE_HW", …, "accepted" (2.01 without a response TLV), or "CoAP 4.01". */
  name: string;
  /** LoadResponse's load time (POSIX s). */
  loadTime?: number;
  /** True for 2.01 with response 0, or a TransferRequest's 2.01 without a TransferResponse. */
  ok: boolean;
  /** A sentence for people: what the device said and what it means. */
  describe: string;
}

export interface CommandOptions {
  /** Clock ms for the CON answer (default: the endpoint's 10 s). */
  timeoutMs?: number;
}

/** TransferRequest (65) for `image`; `hwId` overrides the header's hardware id. */
export function transferRequestItem(image: FirmwareImage, blockSize: number, opts: { hwId?: string; fileHash?: Uint8Array } = {}): TlvToBuild {
  return {
    type: TLV.TransferRequest,
    fields: {
      hwInfo: { hwId: opts.hwId ?? image.hwId, ...(image.vendorHwId !== undefined ? { vendorHwId: image.vendorHwId } : {}) },
      fileHash: opts.fileHash ?? image.hash,
      fileName: image.fileName,
      version: image.version,
      fileSize: image.bytes.length,
      blockSize,
    },
  };
}

export function imageBlockItem(hash: Uint8Array, blockNum: number, data: Uint8Array): TlvToBuild {
  return { type: TLV.ImageBlock, fields: { fileHash: hash, blockNum, blockData: data } };
}

/** "Send me FirmwareImageInfo": added to block messages for progress (draft: every 10 %, and the last). */
export const DESCRIBE_FIRMWARE: TlvToBuild = { type: TLV.DescriptionRequest, fields: { tlvid: [String(TLV.FirmwareImageInfo)] } };

export async function sendTransferRequest(client: NmsClient, device: string, item: TlvToBuild, opts: CommandOptions = {}): Promise<FirmwareAnswer> {
  return answerOf(await client.post(device, [item], timeout(opts)), TLV.TransferResponse, true);
}

/** LoadRequest: `loadTime` POSIX seconds of the device's clock (0: "soon", the reference agent's 500-2000 s). */
export async function requestLoad(client: NmsClient, device: string, hash: Uint8Array, loadTime: number, opts: CommandOptions = {}): Promise<FirmwareAnswer> {
  return answerOf(await client.post(device, [{ type: TLV.LoadRequest, fields: { fileHash: hash, loadTime } }], timeout(opts)), TLV.LoadResponse, false);
}

export async function cancelLoad(client: NmsClient, device: string, hash: Uint8Array, opts: CommandOptions = {}): Promise<FirmwareAnswer> {
  return answerOf(await client.post(device, [{ type: TLV.CancelLoadRequest, fields: { fileHash: hash } }], timeout(opts)), TLV.CancelLoadResponse, false);
}

export async function setBackup(client: NmsClient, device: string, hash: Uint8Array, opts: CommandOptions = {}): Promise<FirmwareAnswer> {
  return answerOf(await client.post(device, [{ type: TLV.SetBackupRequest, fields: { fileHash: hash } }], timeout(opts)), TLV.SetBackupResponse, false);
}

const timeout = (o: CommandOptions) => (o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {});

/** The answer to a firmware POST; `silentOk`: 2.01 without a response TLV means accepted (TransferRequest only). */
export function answerOf(a: ClientAnswer, responseTlv: number, silentOk: boolean): FirmwareAnswer {
  const tlv = a.tlvs.find((t) => t.type === responseTlv)?.value;
  const response = typeof tlv?.['response'] === 'number' ? tlv['response'] : undefined;
  const loadTime = typeof tlv?.['loadTime'] === 'number' ? tlv['loadTime'] : undefined;
  const base = { device: a.device, coap: a.code, ...(response !== undefined ? { response } : {}), ...(loadTime !== undefined ? { loadTime } : {}) };
  if (a.code !== '2.01') return { ...base, name: `CoAP ${a.code}`, ok: false, describe: `${a.device} answered ${a.code}: the POST was not processed` };
  if (response === undefined) {
    return silentOk
      ? { ...base, name: 'accepted', ok: true, describe: `${a.device} accepted it (2.01, no response TLV, as the reference agent answers)` }
      : { ...base, name: 'no response', ok: false, describe: `${a.device} answered 2.01 without the response TLV ${responseTlv}` };
  }
  return { ...base, name: firmwareResponseName(response), ok: response === FIRMWARE_RESPONSE.OK, describe: `${a.device} answered ${describeFirmwareResponse(response)}` };
}
