/**
 * What the TLV handlers see of a running agent: identity, settings, RAM state, counters and the
 * few side effects a POST can trigger. Kept as an interface so handlers stay testable and the
 * agent file stays about flow (registration, reports, answers).
 */
import type { TlvInput } from '../../../harness/csmp/tlv.js';
import type { FaultSet } from './faults.js';
import type { FirmwareManager } from './firmware.js';
import type { FirmwareSlot, MeterIdentity, MeterPlatform, MeterSettings } from './platform.js';
import type { SignatureMemory } from './signature-check.js';
import type { AgentStats } from './stats.js';

export interface ReportSubscription {
  /** Seconds; 0 = no reports. */
  interval: number;
  /** TLV id strings as received (at most 15, each at most 12 characters). */
  ids: string[];
}

/** Agent state in RAM: lost on power-off and reboot. */
export interface AgentRam {
  sessionId?: Uint8Array;
  report: ReportSubscription;
  signature: SignatureMemory;
  /** Last CGMSNotification produced (GET 44). */
  notification: { code: number; tlvs: number[] };
  /** Vendor TLV sub-type values (GET/POST e5771.127). */
  vendor: Map<number, Uint8Array>;
  /** What GET 79 reports (POST 79 changes only this, doc 7.4). */
  signatureSettings: Record<string, boolean | Uint8Array>;
  /** Pending LoadRequest (GET 68). */
  pendingLoad?: { hash: Uint8Array; loadTime: number };
  /** Interface octet counters of the mesh interface (InterfaceMetrics row 2). */
  octetsIn: number;
  octetsOut: number;
  discardsIn: number;
}

export type HandlerError = 'unsupported' | 'read' | 'write' | 'failed';

export type GetResult = { ok: true; tlvs: TlvInput[] } | { ok: false; error: HandlerError };
export type PostResult = { ok: true; outputs: TlvInput[] } | { ok: false; error: HandlerError };

/** 'server': a POST to /c (outputs possible); 'registration': a TLV of the 2.03 (no output buffer). */
export type PostMode = 'server' | 'registration';

export interface AgentContext {
  readonly identity: MeterIdentity;
  readonly eui: Uint8Array;
  readonly linkLocal: string;
  readonly platform: MeterPlatform;
  readonly faults: FaultSet;
  readonly ram: AgentRam;
  readonly stats: AgentStats;
  readonly firmware: FirmwareManager;
  /** Number of nodes in the DAG (RPL metrics). */
  readonly dagSize: number;
  settings(): MeterSettings;
  slots(): FirmwareSlot[];
  /** Device clock, whole seconds (throws ClockUnreadable). */
  nowSec(): number;
  uptimeSec(): number;
  registered(): boolean;
  /** CGMSStatus (43) fields as this meter reports them. */
  cgmsStatus(): Record<string, unknown>;
  /** The subscription changed: restart reporting as the agent does. */
  reportIntervalChanged(previous: number): void;
  /** RebootRequest accepted: reboot 2-8 s later. */
  scheduleReboot(): void;
  /** LoadRequest accepted: activate `hash` after `delaySec` (trickle bounds). */
  scheduleLoad(hash: Uint8Array, delaySec: number): void;
  cancelLoad(): void;
}
