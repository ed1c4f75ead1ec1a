/** `hil decode --count`: how many messages per device, path and code, instead of the messages. */
import { codeName } from '../coap/codes.js';
import type { MessageFacts } from './conversation.js';
import type { CsmpMessage } from './message.js';

export interface TallyJson {
  messages: number;
  devices: Record<string, number>;
  paths: Record<string, number>;
  codes: Record<string, number>;
}

export class Tally {
  private messages = 0;
  private readonly devices = new Map<string, number>();
  private readonly paths = new Map<string, number>();
  private readonly codes = new Map<string, number>();

  add(m: CsmpMessage, facts: MessageFacts): void {
    this.messages += 1;
    bump(this.devices, facts.device ?? facts.deviceAddress ?? '(not identified)');
    bump(this.paths, facts.path === undefined ? '(unanswered or empty)' : `/${facts.path}`);
    // Not UDP at all (ICMPv6, TCP, a later fragment) is told apart from UDP that is not CoAP.
    bump(this.codes, m.coap ? codeName(m.coap.code) : m.srcPort === undefined ? '(not UDP)' : '(not CoAP)');
  }

  json(): TallyJson {
    const obj = (m: Map<string, number>) => Object.fromEntries(sorted(m));
    return { messages: this.messages, devices: obj(this.devices), paths: obj(this.paths), codes: obj(this.codes) };
  }

  text(): string {
    const lines = [`${this.messages} message${this.messages === 1 ? '' : 's'}`];
    for (const [title, m] of [['device', this.devices], ['path', this.paths], ['code', this.codes]] as const) {
      lines.push(`by ${title}:`);
      const rows = sorted(m);
      const width = Math.max(0, ...rows.map(([k]) => k.length));
      for (const [k, n] of rows) lines.push(`  ${k.padEnd(width)}  ${n}`);
    }
    return lines.join('\n');
  }
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** Most first, then by name, so two runs over the same capture print the same table. */
function sorted(m: Map<string, number>): [string, number][] {
  return [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
