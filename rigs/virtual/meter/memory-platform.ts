/**
 * A MeterPlatform held in memory: for fleet meters (no console, no flash file) and unit tests.
 * `corrupted` makes every flash read come back empty, as a corrupted flash does.
 */
import { MemoryImageStore } from './memory-image-store.js';
import type { FirmwareSlot, GroupIds, MeterPlatform, MeterSettings } from './platform.js';

export class MemoryPlatform implements MeterPlatform {
  corrupted = false;
  readonly images = new MemoryImageStore();

  constructor(
    public stored: MeterSettings,
    private readonly onSetClock: (posix: number) => void = () => {},
  ) {}

  settings(): MeterSettings {
    return this.corrupted ? {} : this.stored;
  }

  saveGroups(groups: GroupIds): void {
    this.stored = { ...this.stored, groups: { ...groups } };
  }

  saveFirmware(slots: FirmwareSlot[]): void {
    this.stored = { ...this.stored, firmware: slots.map((s) => ({ ...s })) };
  }

  setClock(posix: number): void {
    this.onSetClock(posix);
  }
}
