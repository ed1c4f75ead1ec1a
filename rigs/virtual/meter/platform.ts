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
  /** Upload slot capacity in bytes (TransferRequest fileSize limit). */
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
