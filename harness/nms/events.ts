/**
 * FND-like events of the NMS role: an EventEmitter ('event') plus an in-memory log that the
 * runner waits on (`expect-event signatureFailure within 60s`).
 *
 * Names follow FND's camelCase event names. Only signatureFailure's id (1085), display name and
 * severity are documented (csmp-protocol.md 7.6, from the troubleshooting note); the other ids
 * are the harness's own, in a range FND's documented ids do not use, and `fndDocumented` says so.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../../core/clock.js';

export type Severity = 'CRITICAL' | 'MAJOR' | 'MINOR' | 'INFO';

export interface EventType {
  eventTypeId: number;
  displayName: string;
  severity: Severity;
  /** true when the id/name/severity are FND's own (documented), false when the harness chose them. */
  fndDocumented: boolean;
}

export const EVENT_TYPES = {
  /** 2.03 sent in answer to a POST /r. */
  registrationRequest: { eventTypeId: 90001, displayName: 'Registration Request', severity: 'INFO', fndDocumented: false },
  /** First report after a 2.03: registration complete ([DRAFT], csmp-protocol.md 6.1). */
  registrationSuccess: { eventTypeId: 90002, displayName: 'Registration Success', severity: 'INFO', fndDocumented: false },
  /** POST /r answered 4.03 (unknown or duplicate DeviceID) or 4.04 (several SessionIDs). */
  registrationRejected: { eventTypeId: 90003, displayName: 'Registration Rejected', severity: 'MAJOR', fndDocumented: false },
  /** POST /r dropped by the NMS's firewall before the NMS saw it: a test waits on attempts, not time. */
  registrationBlocked: { eventTypeId: 90009, displayName: 'Registration Blocked', severity: 'MINOR', fndDocumented: false },
  /** Any other datagram from a device (a report, a notification) dropped by the NMS's firewall. */
  inboundBlocked: { eventTypeId: 90010, displayName: 'Inbound CSMP Blocked', severity: 'MINOR', fndDocumented: false },
  signatureFailure: { eventTypeId: 1085, displayName: 'Invalid CSMP Signature', severity: 'CRITICAL', fndDocumented: true },
  firmwareGroupMismatch: { eventTypeId: 90004, displayName: 'Firmware Group Mismatch', severity: 'MAJOR', fndDocumented: false },
  configGroupMismatch: { eventTypeId: 90005, displayName: 'Config Group Mismatch', severity: 'MAJOR', fndDocumented: false },
  up: { eventTypeId: 90006, displayName: 'Up', severity: 'INFO', fndDocumented: false },
  down: { eventTypeId: 90007, displayName: 'Down', severity: 'MAJOR', fndDocumented: false },
  /** CGMSNotification from a device (csmp-protocol.md 6.3), other than the signature case. */
  csmpNotification: { eventTypeId: 90008, displayName: 'CSMP Notification', severity: 'MINOR', fndDocumented: false },
} as const satisfies Record<string, EventType>;

export type EventName = keyof typeof EVENT_TYPES;

export interface NmsEvent {
  /** Increasing from 1 and never reused (not even after clear()); `since` arguments compare against it. */
  seq: number;
  /** Clock time in ms since the epoch. */
  at: number;
  name: EventName;
  eventTypeId: number;
  displayName: string;
  severity: Severity;
  message: string;
  /** Rig device name, when the event concerns a known device. */
  device?: string;
  /** EUI-64 as 16 upper-case hex digits (FND's EID), when known. */
  eid?: string;
  details?: Record<string, unknown>;
}

export interface EventInit {
  name: EventName;
  message: string;
  device?: string;
  eid?: string;
  details?: Record<string, unknown>;
}

export type EventPredicate = (e: NmsEvent) => boolean;

/** Raised by waitFor when nothing matched in time; names what was waited for. */
export class EventTimeoutError extends Error {
  override readonly name = 'EventTimeoutError';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`no ${what} within ${timeoutMs} ms`);
  }
}

/**
 * Emits 'event' (NmsEvent) for every record. The log keeps everything until clear(); a lab run
 * is minutes to hours, not months.
 */
export class NmsEvents extends EventEmitter {
  private readonly entries: NmsEvent[] = [];
  private lastSeq = 0;

  constructor(private readonly clock: Clock) {
    super();
  }

  get log(): readonly NmsEvent[] {
    return this.entries;
  }

  /** The seq of the last event so far: pass it as `since` to wait only for later ones. */
  mark(): number {
    return this.lastSeq;
  }

  record(init: EventInit): NmsEvent {
    const type = EVENT_TYPES[init.name];
    const e: NmsEvent = {
      seq: ++this.lastSeq,
      at: this.clock.now(),
      name: init.name,
      eventTypeId: type.eventTypeId,
      displayName: type.displayName,
      severity: type.severity,
      message: init.message,
      ...(init.device !== undefined ? { device: init.device } : {}),
      ...(init.eid !== undefined ? { eid: init.eid } : {}),
      ...(init.details !== undefined ? { details: init.details } : {}),
    };
    this.entries.push(e);
    this.emit('event', e);
    return e;
  }

  find(predicate: EventPredicate, since = 0): NmsEvent[] {
    return this.entries.filter((e) => e.seq > since && predicate(e));
  }

  /**
   * Resolves with the first event after `since` (default: the whole log, so an event that
   * happened just before the caller started waiting is not missed) that matches; rejects with
   * EventTimeoutError after timeoutMs of clock time.
   */
  waitFor(predicate: EventPredicate, timeoutMs: number, opts: { since?: number; what?: string } = {}): Promise<NmsEvent> {
    const hit = this.entries.find((e) => e.seq > (opts.since ?? 0) && predicate(e));
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const onEvent = (e: NmsEvent): void => {
        if (!predicate(e)) return;
        this.clock.clearTimeout(timer);
        this.off('event', onEvent);
        resolve(e);
      };
      const timer = this.clock.setTimeout(() => {
        this.off('event', onEvent);
        reject(new EventTimeoutError(opts.what ?? 'matching event', timeoutMs));
      }, timeoutMs);
      this.on('event', onEvent);
    });
  }

  /** waitFor by name and, optionally, device name or EID. */
  waitForEvent(name: EventName, timeoutMs: number, opts: { device?: string; since?: number } = {}): Promise<NmsEvent> {
    const dev = opts.device;
    return this.waitFor(
      (e) => e.name === name && (dev === undefined || e.device === dev || e.eid === dev.toUpperCase()),
      timeoutMs,
      { since: opts.since, what: `${name} event${dev ? ` for ${dev}` : ''}` },
    );
  }

  clear(): void {
    this.entries.length = 0;
  }
}
