/**
 * What the device's link threw away during a test, for failures that read "no answer": 120 MB of
 * line noise or a second reader on the port garble or steal frames, and a failure that does not
 * say so sends the reader to the firmware instead of the cable.
 */
import type { Bench } from './bench.js';

export interface LinkDrops {
  link: string;
  counts: Record<string, number>;
  bytes: Record<string, number>;
}

export function linkDrops(bench: Bench, link: string): LinkDrops {
  const drops = bench.link(link)?.drops;
  return { link, counts: drops?.snapshot() ?? {}, bytes: drops?.bytesSnapshot() ?? {} };
}

/** "link dongle dropped 3 frames (1.2 MB) in this test: 2 bad-escape, 1 oversize", or undefined when none. */
export function describeLinkDrops(before: LinkDrops, now: LinkDrops): string | undefined {
  const parts: string[] = [];
  let frames = 0;
  let bytes = 0;
  for (const [reason, n] of Object.entries(now.counts)) {
    const d = n - (before.counts[reason] ?? 0);
    if (d <= 0) continue;
    frames += d;
    bytes += (now.bytes[reason] ?? 0) - (before.bytes[reason] ?? 0);
    parts.push(`${d} ${reason}`);
  }
  if (!frames) return undefined;
  return `link ${now.link} dropped ${frames} frame${frames === 1 ? '' : 's'}${bytes > 0 ? ` (${formatBytes(bytes)})` : ''} in this test: ${parts.join(', ')}`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}
