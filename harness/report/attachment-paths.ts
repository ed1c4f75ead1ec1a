/**
 * Where a test's files go, decided once for whoever writes them (the pcap reporter, the console
 * log of the session) and whoever names them (the result's attachments):
 *
 *   <dir>/<suite>/<device>/<test>-<id>.pcap            first attempt
 *   <dir>/<suite>/<device>/<test>-<id>.retry<n>.pcap   retry n
 *
 * `<id>` is the start of the test's id (a hash of suite, test and device names), so the path is
 * stable from run to run and two tests whose names make the same slug ('a/b' and 'a b', or
 * titles sharing their first 80 characters) never write over each other's evidence.
 */
import { join } from 'node:path';

/** A file name part from free text: letters, digits, '.', '_', '-'. */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'test';
}

export interface Placed {
  id: string;
  suite: { name: string };
  device: { name: string };
  name: string;
}

/** Hex digits of the test id in a file name; captures lengthen it for the rare run where two collide. */
export const ID_DIGITS = 8;

/** The path of a test attempt's files without the extension. */
export function attachmentBase(dir: string, test: Placed, retry: number, idDigits = ID_DIGITS): string {
  return join(dir, slug(test.suite.name), slug(test.device.name), `${slug(test.name)}-${test.id.slice(0, idDigits)}${retry > 0 ? `.retry${retry}` : ''}`);
}

export const PCAP_TYPE = 'application/vnd.tcpdump.pcap';
export const CONSOLE_LOG_TYPE = 'text/plain';
