/** One captured frame as both the pcap and the pcapng readers return it. */
export interface PcapRecord {
  /** 1-based, the frame number Wireshark shows. */
  index: number;
  /** Milliseconds since the epoch (a float: sub-ms digits kept to double precision); pcapng simple packet blocks carry none. */
  time: number | undefined;
  /**
   * The time exactly, as whole seconds and nanoseconds: `time` is a double, a microsecond apart at
   * best, and a nanosecond capture copied by `hil decode --pcap` keeps its figures from these.
   * Undefined where `time` is.
   */
  seconds: number | undefined;
  nanos: number | undefined;
  linkType: number;
  /** The IPv6 packet (a view into the file bytes; only its start when capturedLength < originalLength), or undefined when skipped. */
  ipv6: Uint8Array | undefined;
  skippedReason?: string;
  /** Byte offset of this record's header in the file. */
  offset: number;
  capturedLength: number;
  originalLength: number;
  /** The link-layer frame as captured. */
  data: Uint8Array;
}
