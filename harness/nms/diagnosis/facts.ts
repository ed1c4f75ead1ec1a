/**
 * What the troubleshooting walk knows of one device: the facts the NMS gives it (DiagnosisFacts),
 * and what each look added (looks.ts). Looks run in LOOK_ORDER, each at most once and only when
 * a branch check needs it, so a device diagnosed early is not asked what no branch reads.
 */
import type { NmsEvent } from '../events.js';
import type { AddressCounters } from '../counters.js';
import type { DecodedTlv } from '../../csmp/value.js';
import type { DeviceStateName, KnownDevice, LearntTlvs } from '../device-state.js';
import type { FirewallState } from '../firewall.js';
import type { RunningImage } from '../firmware-image.js';
import type { Evidence } from './result.js';

/** Where "since the test began" starts; all zeros for a diagnosis outside a test. */
export interface DiagnosisWindow {
  /** NmsEvents seq: events after it count. */
  eventSeq: number;
  /** NMS clock ms: notifications at or after it count. */
  atMs: number;
  /** Misrouted-answer counts at the start, by "sentFrom>arrivedAt". */
  misroutes: ReadonlyMap<string, number>;
}

export const WHOLE_HISTORY: DiagnosisWindow = { eventSeq: 0, atMs: 0, misroutes: new Map() };

/** What the NMS knows without asking the device. */
export interface DiagnosisFacts {
  device: KnownDevice;
  eid: string;
  state: DeviceStateName;
  registrationCount: number;
  reportCount: number;
  /** TLVs of the last POST /r, if any. */
  lastRegistration?: DecodedTlv[];
  /** GroupInfo (58) and FirmwareImageInfo (75) rows the NMS learnt before the walk, with their source. */
  groupInfo?: LearntTlvs;
  firmwareInfo?: LearntTlvs;
  /** Device CurrentTime minus NMS time (s), from the last /r or report. */
  clockOffsetS?: number;
  /** CGMSNotification codes received from the device. */
  notificationCodes: number[];
  /** Events about this device, oldest first. */
  events: NmsEvent[];
  /** The device's registration attempts (registrationRequest/Rejected) of the last minute, whatever the window (a storm). */
  recentAttempts?: NmsEvent[];
  /** Clock ms at which the harness asked the device to restart (power on or cycle, console reboot, load). */
  restarts?: readonly number[];
  firewall: FirewallState;
  /** The NMS's local addresses by role. */
  addresses: readonly { name: string; address: string }[];
  counters: Record<string, AddressCounters>;
  /** The address the NMS sends its requests from. */
  sendsFrom: string;
  /** Answers to NMS requests that arrived at another local address than the request left from. */
  misroutedAnswers: { sentFrom: string; arrivedAt: string; count: number }[];
  /** SignatureValidity window the NMS uses, relative to its own time (s). */
  validity: { beforeS: number; afterS: number };
  /** Whether the NMS signs what it sends this device. */
  signing: boolean;
  /** Whether CGMSSettings (42) goes into this device's 2.03. */
  cgmsSettingsInRegistration: boolean;
}

export type ProbeResult =
  /** nmsTimeS: NMS time (s) when the answer arrived, to compare with a CurrentTime in it. */
  | { ok: true; code: string; tlvs: DecodedTlv[]; nmsTimeS?: number; decodeError?: string }
  | { ok: false; code?: string; error: string };

/** How the walk asks the device. */
export interface DiagnosisProbe {
  /** One TLV per GET (as FND does). Never throws: failures come back as { ok: false }. */
  get(tlvId: number): Promise<ProbeResult>;
  /** The meter's configuration file (DevCfgSchema XML) read through its console, when available. */
  consoleConfigXml?: () => Promise<string | undefined>;
}

/** The NMS's own records (no traffic). */
export interface NmsLook {
  signatureFailures: number;
  firmwareGroupMismatches: number;
  /** The last registrationRejected event, if any. */
  lastRejection?: NmsEvent;
  /** Inbound datagrams from the device the NMS firewall dropped. */
  droppedFromDevice: number;
  /** Whether any NMS address handled a datagram the device sent. */
  heardFromDevice: boolean;
}

/** GET 35 (WPANStatus) and GET 43 (CGMSStatus). */
export interface StatusLook {
  /** The device answered (an error code counts). */
  reachable: boolean;
  /** The WPANStatus fields, when the answer carried one. */
  wpanStatus?: Record<string, unknown>;
  /** CGMSStatus.NMSCertValid; undefined when absent or not answered. */
  certValid: unknown;
}

/** The meter's configuration through its console. */
export interface ConsoleLook {
  /** DemoMode_Cfg/DemoModeEnable; undefined when the file was not read or does not say. */
  demoMode?: boolean;
}

/** GET 18 (CurrentTime), GET 45 (CGMSStats) and the device's CGMSNotifications. */
export interface SignaturesLook {
  /** Device clock minus NMS time (s): GET 18 when it answered, else the last /r or report (that look is then unanswered). */
  offsetS?: number;
  /** The offset lies outside the SignatureValidity window of a signing NMS. */
  outsideWindow: boolean;
  badValidity: number;
  badAuth: number;
  /** CGMSNotification code 2 (registration response rejected) count. */
  rejectedResponses: number;
}

/** GET 58 (GroupInfo), or what the NMS learnt earlier (a GET, its registration's /r) when GET 58 fails. */
export interface GroupsLook {
  /** {type -> id} the device runs in. */
  running: Map<number, number>;
  /**
   * false when GET 58 went unanswered and the NMS never learnt its groups (no registration seen, no
   * GET answered): nothing says which groups it runs in, so no mismatch is concluded.
   */
  known: boolean;
}

/** The configuration group; it has no branch of its own and is evidence only. */
export interface ConfigGroupLook {
  running: number;
  expected?: number;
}

/** GET 75 (FirmwareImageInfo). */
export interface FirmwareLook {
  /** The rows are known: GET 75 answered, or the NMS learnt them earlier. */
  answered: boolean;
  image: RunningImage;
}

export interface Facts {
  readonly given: DiagnosisFacts;
  /** What every look recorded, in the order looked (the looks append to it). */
  readonly evidence: Evidence[];
  /**
   * The looks the device left unanswered ("what: why"), including those that could only use what
   * the NMS learnt before the walk: such data may explain a fault, never clear a check.
   */
  readonly unanswered: string[];
  nms?: NmsLook;
  status?: StatusLook;
  console?: ConsoleLook;
  signatures?: SignaturesLook;
  groups?: GroupsLook;
  configGroup?: ConfigGroupLook;
  firmware?: FirmwareLook;
}

export const LOOK_ORDER = ['nms', 'status', 'console', 'signatures', 'groups', 'configGroup', 'firmware'] as const;
export type LookName = (typeof LOOK_ORDER)[number];

/** Facts once the looks K have been made. */
export type Looked<K extends LookName> = Facts & { [P in K]-?: NonNullable<Facts[P]> };

/** K and every look before it in LOOK_ORDER. */
export type UpTo<K extends LookName, L extends readonly LookName[] = typeof LOOK_ORDER> = L extends readonly [
  infer H extends LookName,
  ...infer R extends readonly LookName[],
]
  ? H extends K
    ? H
    : H | UpTo<K, R>
  : never;
