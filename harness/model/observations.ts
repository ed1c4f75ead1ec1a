/**
 * What a run observes besides its steps, as plain JSON: frames on the links, console lines, power
 * actions and NMS changes. They share one clock with the steps (wall-clock ms since the epoch:
 * the NMS's own clock runs scaled on the virtual rig, so its times travel in `deviceAt`), and
 * name the test they belong to when one was running on the device at the time. Every report
 * that shows the wire (pcap, HTML sequence diagram, timeline, event log) reads these, so a frame
 * is decoded once, where it is observed, and nowhere else.
 */

/** Whose test an observation belongs to; absent between tests and for traffic of no rig device. */
export interface Attribution {
  /** Rig device name. */
  device?: string;
  testId?: string;
  /** Attempt of that test, 0 for the first. */
  retry?: number;
}

/** One decoded TLV: `value` is the schema's fields as JSON (bytes as hex, 64-bit integers as text). */
export interface FrameTlv {
  type: number;
  name: string;
  value?: { [key: string]: unknown };
  /** The TLV's bytes, hex. */
  raw: string;
  vendor?: number;
  vendorType?: number;
  error?: { layer: string; offset: number; reason: string };
}

export interface FrameCoap {
  type: 'CON' | 'NON' | 'ACK' | 'RST';
  /** "0.02", "2.05" … */
  code: string;
  /** "POST", "2.05 Content" … */
  codeName: string;
  messageId: number;
  token: string;
  uriPath: string[];
  uriQuery: string[];
  payloadLength: number;
}

/**
 * A signed message checked against the NMS certificate of the rig: 'verified' or 'failed' (the
 * ECDSA check over the bytes before the Signature TLV), 'not checked' when no key applies (a
 * device's own signature, or a rig without a certificate).
 */
export interface FrameSignature {
  status: 'verified' | 'failed' | 'not checked';
  reason?: string;
}

export interface FrameEvent extends Attribution {
  at: number;
  /** As the harness sees it: 'in' came from the link, 'out' went onto it. */
  direction: 'in' | 'out';
  link: string;
  src?: string;
  dst?: string;
  srcPort?: number;
  dstPort?: number;
  /** Rig names of the endpoints: 'fnd', 'vip' (the NMS addresses) or a device name. */
  from?: string;
  to?: string;
  udpChecksumOk?: boolean;
  coap?: FrameCoap;
  tlvs: FrameTlv[];
  signature?: FrameSignature;
  /** Where decoding stopped; offsets from the first byte of the IPv6 packet. */
  error?: { layer: string; offset: number; reason: string };
  /** The IPv6 packet as it crossed the wire, hex. */
  hex: string;
}

export interface ConsoleLineEvent extends Attribution {
  at: number;
  device: string;
  /** 'tx' the harness typed it, 'rx' the board printed it. */
  direction: 'tx' | 'rx';
  text: string;
}

export interface PowerEvent extends Attribution {
  at: number;
  device: string;
  op: 'on' | 'off' | 'cycle';
  outcome: 'started' | 'done' | 'failed';
  message?: string;
}

/** A device state change on the NMS (unheard → registering → up → down) or an FND-style event. */
export interface NmsChangeEvent extends Attribution {
  at: number;
  kind: 'state' | 'event';
  /** NMS clock time (scaled on the virtual rig). */
  deviceAt: number;
  /** state: "registering → up"; event: its name. */
  name: string;
  message: string;
  severity?: string;
}
