/** How fast the link to a device carries bytes: what an upload is paced to (pacer.ts). */
import type { LinkSpec } from '../../config/rig.js';

/** The line rate of the link that reaches a device: a SLIP dongle's baud / 10 bytes per second. */
export function lineRate(links: readonly LinkSpec[], linkName: string | undefined): number | undefined {
  const link = links.find((l) => l.name === linkName) ?? (links.length === 1 ? links[0] : undefined);
  return link?.kind === 'slip' ? link.baudRate / 10 : undefined;
}
