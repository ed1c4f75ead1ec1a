/**
 * The agent's view of a board (MeterPlatform, rigs/virtual/meter/platform.ts) backed by the
 * file flash and the board clock: what the CSMP agent reads for its TLVs comes from the same
 * files the console changes, absent fields included.
 */
import type { FirmwareSlot, GroupIds, ImageStore, MeterPlatform, MeterSettings } from '../meter/platform.js';
import type { BoardClock } from './clock.js';
import type { Flash } from './flash.js';

export class FlashPlatform implements MeterPlatform {
  constructor(
    readonly flash: Flash,
    readonly clock: BoardClock,
  ) {}

  get images(): ImageStore {
    return this.flash.images;
  }

  settings(): MeterSettings {
    const r = this.flash.read();
    const c = r.config;
    const s: MeterSettings = {};
    if (c.ssid !== undefined) s.ssid = new TextEncoder().encode(c.ssid);
    if (c.panId !== undefined) s.panId = c.panId;
    if (c.txPower !== undefined) s.txPower = c.txPower;
    if (c.demoMode !== undefined) s.demoMode = c.demoMode;
    if (r.nmsCertValid !== undefined) s.nms = r.nmsCertValid && r.nmsPublicKey ? { valid: true, publicKey: r.nmsPublicKey } : { valid: false };
    if (r.firmware) s.firmware = r.firmware;
    if (c.firmwareGroup !== undefined || c.configGroup !== undefined) {
      const groups: GroupIds = {};
      if (c.configGroup !== undefined) groups.config = c.configGroup;
      if (c.firmwareGroup !== undefined) groups.firmware = c.firmwareGroup;
      s.groups = groups;
    }
    return s;
  }

  saveGroups(groups: GroupIds): void {
    this.flash.setConfig({ configGroup: groups.config, firmwareGroup: groups.firmware });
  }

  saveFirmware(slots: FirmwareSlot[]): void {
    this.flash.setFirmware(slots);
  }

  setClock(posix: number): void {
    this.clock.set(posix * 1000);
  }
}
