/**
 * What a virtual meter's agent reads from and writes to its board: flash-backed settings (a
 * corrupted flash reads back with fields absent, which the agent then leaves out of its TLVs,
 * the troubleshooting note's "NULL" values), and the board clock. The rig adapts
 * rigs/virtual/board/* to this; unit tests use an in-memory one.
 */
import type { KeyObject } from 'node:crypto';

export interface FirmwareSlot {
  /** 1-based slot number (reference agent: 1 running, 2 upload, 3 backup). */
  index: number;
  fileName?: string;
  version?: string;
  /** SHA-256 of the image file, 32 bytes. */
  fileHash?: Uint8Array;
  fileSize?: number;
  blockSize?: number;
  isRunning?: boolean;
  isDefault?: boolean;
  hwId?: string;
  vendorHwId?: string;
  /** POSIX seconds of a scheduled load. */
  loadTime?: number;
  /**
   * State of an image uploaded through CSMP (the reference agent's FWHDR_STATUS download,
   * complete, bad hash); absent for an image the factory programmed.
   */
  transfer?: 'download' | 'complete' | 'bad-hash';
  /** Blocks written so far, one bit each, most significant bit first (while `transfer` is set). */
  received?: Uint8Array;
}

/** The bytes of the images in flash, per slot; a slot the factory programmed may have none. */
export interface ImageStore {
  /** Writes `data` at `offset` of slot `index`'s image, as a flash page write: what was written stays. */
  write(index: number, offset: number, data: Uint8Array): void;
  /** The bytes written to the slot so far, or undefined when it holds none. */
  read(index: number): Uint8Array | undefined;
  erase(index: number): void;
  /** Slot `to` gets a copy of slot `from`'s bytes (none when `from` has none). */
  copy(from: number, to: number): void;
}

export interface GroupIds {
  /** Configuration group (GroupAssign type 1); 0 or absent = none. */
  config?: number;
  /** Firmware group (type 2). */
  firmware?: number;
}

export interface NmsTrust {
  /** The NMS public key the meter verifies signatures with; absent when the certificate is unusable. */
  publicKey?: KeyObject;
  /** Whether the meter considers its NMS certificate valid (CGMSStatus.NMSCertValid). */
  valid: boolean;
}

/** Flash-backed settings as the meter can currently read them; absent = unreadable or unset. */
export interface MeterSettings {
  ssid?: Uint8Array;
  panId?: number;
  txPower?: number;
  demoMode?: boolean;
  nms?: NmsTrust;
  /** The NMS the meter registers with, when flash holds one (else MeterIdentity.nms). */
  nmsAddress?: string;
  nmsPort?: number;
  firmware?: FirmwareSlot[];
  groups?: GroupIds;
}

export interface MeterPlatform {
  settings(): MeterSettings;
  saveGroups(groups: GroupIds): void;
  saveFirmware(slots: FirmwareSlot[]): void;
  readonly images: ImageStore;
  /** CurrentTime POST (doc 5.4): set the board clock to `posix` seconds. */
  setClock(posix: number): void;
}

/** Fixed facts of a meter (rig file), not stored in flash. */
export interface MeterIdentity {
  name: string;
  /** 16 hex digits. */
  eui64: string;
  /** Global IPv6 address. */
  address: string;
  /** Port its CSMP server listens on (61628 reference agent, 61624 the note's meters). */
  serverPort: number;
  /**
   * Where its own requests come from: 'ephemeral' (reference agent: a second socket, new port
   * every boot) or 'server' (the note's meters: the server port).
   */
  clientPort: 'ephemeral' | 'server';
  /**
   * The NMS it registers with and reports to (may be a load-balancer VIP): the factory default,
   * used when flash holds no NMS address.
   */
  nms: { address: string; port: number };
  /** Registration trickle bounds in seconds (reference sample default 10/20). */
  regInterval: { min: number; max: number };
  /** Whether NMS POSTs and registration responses must be signed (sample `-sig true`). */
  signatures: { post: boolean; response: boolean };
  hardware: HardwareFacts;
  /** Address of its mesh parent / border router (IPRoute next hop). */
  parentLinkLocal: string;
  /** Upload slot capacity in bytes (TransferRequest fileSize limit; Linux sample 30 KiB, EFR32/Renesas 512 KiB). */
  slotSize: number;
}

export interface HardwareFacts {
  descr: string;
  modelName: string;
  mfgName: string;
  hardwareRev: string;
  /** entPhysicalFunction: 1 meter. */
  function: number;
}

export const DEFAULT_HARDWARE: HardwareFacts = {
  descr: 'CSMP virtual meter',
  modelName: 'HIL-VMETER',
  mfgName: 'csmp-hil',
  hardwareRev: '1.0',
  function: 1,
};
