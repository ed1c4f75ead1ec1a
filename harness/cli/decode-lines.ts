/**
 * What `hil decode` prints for one frame, shared by the sequential decoder and its worker threads
 * so both print the same bytes: the port and filter checks, and the line itself.
 */
import type { ByteWriter } from '../../core/byte-writer.js';
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

export const NO_FACTS: MessageFacts = { path: undefined, device: undefined, deviceAddress: undefined };

export class FrameLines {
  private readonly ports: Set<number>;
  readonly filter: MessageFilter | undefined;

  /** Throws ConfigError on a filter that does not parse. */
  constructor(private readonly settings: LineSettings) {
    this.ports = new Set(settings.ports.split(',').map((p) => Number(p.trim())));
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
