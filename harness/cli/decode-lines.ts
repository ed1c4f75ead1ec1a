/**
 * What `hil decode` prints for one frame, shared by the sequential decoder and its worker threads
 * so both print the same bytes: the port and filter checks, and the line itself.
 */
import type { ByteWriter } from '../../core/byte-writer.js';
import { ConfigError } from '../../core/errors.js';
import type { MessageFacts } from '../decode/conversation.js';
import { compileFilter, type FilterOptions, type MessageFilter } from '../decode/filter.js';
import { writeJsonLine } from '../decode/json-line.js';
import type { CsmpMessage } from '../decode/message.js';
import { writeText, type MessageContext } from '../decode/render.js';

export interface LineSettings extends FilterOptions {
  json?: boolean;
  /** UDP ports that carry CSMP, comma-separated. */
  ports: string;
  all?: boolean;
}

/**
 * The UDP ports of `--ports` ('61628,61624'); ConfigError naming `flag` and the item that is not a
 * port (1 to 65535), an empty item, or an empty list: a bad list used to match no port, and the
 * command printed nothing and said it was done.
 */
export function parsePorts(text: string, flag = '--ports'): Set<number> {
  if (text.trim() === '') throw new ConfigError(flag, 'value', 'no port given (a comma-separated list of UDP ports, e.g. 61628,61624)');
  const ports = new Set<number>();
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') throw new ConfigError(flag, 'value', `'${text.length > 40 ? `${text.slice(0, 40)}…` : text}' has an empty item (a comma-separated list of UDP ports, e.g. 61628,61624)`);
    const n = /^[0-9]{1,5}$/.test(item) ? Number(item) : NaN;
    if (!(n >= 1 && n <= 65535)) throw new ConfigError(flag, 'value', `'${item.length > 20 ? `${item.slice(0, 20)}…` : item}' is not a UDP port (a whole number from 1 to 65535)`);
    ports.add(n);
  }
  return ports;
}

export const NO_FACTS: MessageFacts = { path: undefined, device: undefined, deviceAddress: undefined };

export class FrameLines {
  private readonly ports: Set<number>;
  readonly filter: MessageFilter | undefined;

  /** Throws ConfigError on a port list or a filter that does not parse. */
  constructor(private readonly settings: LineSettings) {
    this.ports = parsePorts(settings.ports);
    this.filter = compileFilter(settings);
  }

  /** CSMP ports (either side) unless --all; a message that did not get as far as UDP is shown. */
  onCsmpPort(m: CsmpMessage): boolean {
    return this.settings.all === true || m.srcPort === undefined || this.ports.has(m.srcPort) || this.ports.has(m.dstPort!);
  }

  passes(m: CsmpMessage, facts: MessageFacts, timeMs: number | undefined): boolean {
    return this.onCsmpPort(m) && (this.filter === undefined || this.filter(m, facts, timeMs));
  }

  /** The frame's line and its newline. */
  write(w: ByteWriter, m: CsmpMessage, ctx: MessageContext): void {
    if (this.settings.json) writeJsonLine(w, m, ctx);
    else writeText(w, m, ctx);
    w.byte(0x0a);
  }
}
