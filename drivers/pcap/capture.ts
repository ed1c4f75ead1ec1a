/**
 * Records a Link's traffic ('frame' events: both directions, valid or not) into a pcap file that
 * tshark/Wireshark open directly (LINKTYPE_RAW: the frames are bare IPv6 packets).
 */
import type { Link, LinkFrame } from '../link/types.js';
import { PcapWriter } from './writer.js';

export interface LinkCapture {
  readonly path: string;
  /** Frames written so far. */
  readonly records: number;
  /** Set when a write failed (disk full…): capture stopped there, the file still ends on a whole record. */
  readonly error: Error | undefined;
  /** Detaches from the link and closes the file. Idempotent. */
  close(): void;
}

export function captureLink(link: Link, path: string, opts: { snaplen?: number } = {}): LinkCapture {
  const writer = PcapWriter.open(path, { snaplen: opts.snaplen });
  let error: Error | undefined;
  // A failing capture must not throw into the link's emit() and take the data path down with it.
  const onFrame = (f: LinkFrame) => {
    if (writer.closed || error) return;
    try {
      writer.write(f.ipv6, f.at);
    } catch (e) {
      error = e as Error;
    }
  };
  link.on('frame', onFrame);
  return {
    path,
    get records() {
      return writer.records;
    },
    get error() {
      return error;
    },
    close() {
      link.off('frame', onFrame);
      writer.close();
    },
  };
}
