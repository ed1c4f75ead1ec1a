/**
 * Everything an opened bench observes, as report events, from one place: every frame of every
 * link decoded once (harness/decode/frame-event.ts) with the rig's names for its endpoints and the
 * NMS signature checked, every power action, every NMS device state change and event. Emits
 * 'frame' (FrameEvent), 'power' (PowerEvent) and 'nms' (NmsChangeEvent) with the device they
 * concern; which test that is, is the run observer's business (run-observer.ts). The links'
 * evidence about themselves — the device node a serial link bound to and where a re-enumerated
 * dongle came back, a dead holder's port lease taken over, a port lease lost — is emitted as
 * 'note' (RunNote) and kept in `notes`: the first binding happens while the bench opens, before
 * any report listens.
 *
 * Times are wall-clock ms, the runner's clock: the NMS clock runs scaled on the virtual rig.
 */
import type { KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { canonicalIpv6 } from '../../drivers/ip/address.js';
import type { Link, LinkFrame } from '../../drivers/link/types.js';
import type { Rig } from '../config/rig.js';
import { publicKeyFrom } from '../csmp/keys.js';
import { frameEvent, type FrameContext } from '../decode/frame-event.js';
import type { FrameEvent, NmsChangeEvent, PowerEvent } from '../model/observations.js';
import type { RunNote } from '../model/run-model.js';
import { takeoverNote, type LeaseRecord, type LeaseTakeover } from '../../core/lease.js';
import type { PortBinding } from '../../drivers/serial/byte-stream.js';
import type { DeviceRecord, StateTransition } from '../nms/device-state.js';
import type { NmsEvent } from '../nms/events.js';
import type { Nms } from '../nms/nms.js';
import type { DevicePower } from '../steps/device-control.js';

export class BenchObservations extends EventEmitter {
  private readonly names = new Map<string, string>();
  private readonly devices = new Set<string>();
  private readonly signers = new Set<string>();
  private readonly nmsKey: KeyObject | undefined;
  private readonly detach: (() => void)[] = [];
  /** Every note so far, oldest first. */
  readonly notes: RunNote[] = [];

  constructor(rig: Rig) {
    super();
    for (const a of rig.nms.addresses) {
      const address = canonicalIpv6(a.address);
      this.names.set(address, a.name);
      this.signers.add(address);
    }
    for (const d of rig.devices) {
      this.names.set(canonicalIpv6(d.address), d.name);
      this.devices.add(d.name);
    }
    this.nmsKey = certificateKey(rig.nms.signing.cert);
  }

  watchLink(link: Link): void {
    const ctx: FrameContext = { link: link.name, names: this.names, signers: this.signers, ...(this.nmsKey ? { nmsKey: this.nmsKey } : {}) };
    const onFrame = (f: LinkFrame): void => {
      const ev = frameEvent(f, ctx);
      const device = [ev.from, ev.to].find((n) => n !== undefined && this.devices.has(n));
      if (device !== undefined) ev.device = device;
      this.emit('frame', ev satisfies FrameEvent);
    };
    const note = (kind: RunNote['kind'], message: string): void => this.addNote({ kind, message, link: link.name });
    const onBound = (b: PortBinding): void => note(b.previous === undefined ? 'port-bound' : 'device-rebound', `link ${link.name}: ${b.message}`);
    const onTakeover = (t: LeaseTakeover): void => note('lease-takeover', takeoverNote(t));
    const onLeaseLost = (l: { record: LeaseRecord; why: string }): void => note('lease-lost', `${l.record.label}: lease lost: ${l.why}`);
    link.on('frame', onFrame);
    link.on('bound', onBound);
    link.on('takeover', onTakeover);
    link.on('leaseLost', onLeaseLost);
    this.detach.push(() => {
      link.off('frame', onFrame);
      link.off('bound', onBound);
      link.off('takeover', onTakeover);
      link.off('leaseLost', onLeaseLost);
    });
  }

  watchNms(nms: Nms): void {
    const onTransition = (rec: DeviceRecord, t: StateTransition): void => {
      this.emit('nms', { at: Date.now(), kind: 'state', deviceAt: t.at, device: rec.device.name, name: `${t.from} → ${t.to}`, message: t.reason } satisfies NmsChangeEvent);
    };
    const onEvent = (e: NmsEvent): void => {
      const ev: NmsChangeEvent = { at: Date.now(), kind: 'event', deviceAt: e.at, name: e.name, message: e.message, severity: e.severity };
      if (e.device !== undefined) ev.device = e.device;
      this.emit('nms', ev);
    };
    nms.devices.on('transition', onTransition);
    nms.events.on('event', onEvent);
    this.detach.push(() => {
      nms.devices.off('transition', onTransition);
      nms.events.off('event', onEvent);
    });
  }

  /** A note the bench itself gives (not a link's): a device refused, say. */
  addNote(n: Omit<RunNote, 'at'>): void {
    const note: RunNote = { ...n, at: Date.now() };
    this.notes.push(note);
    this.emit('note', note);
  }

  /** The power control of `device`, reporting each switch as it starts and ends. */
  observedPower(device: string, power: DevicePower): DevicePower {
    return {
      switch: async (op, opts) => {
        const say = (outcome: PowerEvent['outcome'], message?: string): void => {
          this.emit('power', { at: Date.now(), device, op, outcome, ...(message !== undefined ? { message } : {}) } satisfies PowerEvent);
        };
        say('started');
        try {
          await power.switch(op, opts);
        } catch (e) {
          say('failed', e instanceof Error ? e.message : String(e));
          throw e;
        }
        say('done');
      },
    };
  }

  stop(): void {
    for (const d of this.detach.splice(0)) d();
  }
}

/** The NMS certificate's key for checking signatures in reports; none when the file does not hold one. */
function certificateKey(file: string): KeyObject | undefined {
  try {
    return publicKeyFrom(readFileSync(file, 'utf8'));
  } catch {
    // A rig without a usable certificate still runs (unsigned NMS); its signatures show "not checked".
    return undefined;
  }
}
