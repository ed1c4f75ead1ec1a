/**
 * Where a test's files go, decided once for whoever writes them (the pcap reporter, the console
 * log of the session) and whoever names them (the result's attachments):
 *
 *   <dir>/<suite>/<device>/<test>.pcap            first attempt
 *   <dir>/<suite>/<device>/<test>.retry<n>.pcap   retry n
 */
import { join } from 'node:path';

/** A file name part from free text: letters, digits, '.', '_', '-'. */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'test';
}

export interface Placed {
  suite: { name: string };
  device: { name: string };
  name: string;
}

/** The path of a test attempt's files without the extension. */
export function attachmentBase(dir: string, test: Placed, retry: number): string {
  return join(dir, slug(test.suite.name), slug(test.device.name), `${slug(test.name)}${retry > 0 ? `.retry${retry}` : ''}`);
}

export const PCAP_TYPE = 'application/vnd.tcpdump.pcap';
export const CONSOLE_LOG_TYPE = 'text/plain';
