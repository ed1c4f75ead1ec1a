/**
 * What a device did with an injected CoAP message: the first ACK or RST from its address with
 * the injected Message ID, or nothing within the listening window. An answer only counts where
 * the NMS would take it: from the address and port the message went to, to the address and port
 * it came from (RFC 7252 5.3.2); one sent elsewhere is reported with both ends.
 */
import type { Link, LinkFrame } from '../../../drivers/link/types.js';
import type { Peer } from '../../coap/errors.js';
import type { StepOutcome } from '../../runner/executor.js';
import type { StepRun } from '../step-run.js';

/** How long a device gets to answer before "nothing" counts as its answer: rig time, and at least LISTEN_REAL_MS of real time so a loaded machine's late answer is not taken for a drop. */
const LISTEN_MS = 30_000;
const LISTEN_REAL_MS = 5_000;

/** The two ends of the injected datagram. */
export interface InjectedEnds {
  /** Where the message came from (the NMS's request address and port). */
  nms: Peer;
  /** Where it went (the device's CSMP address and port). */
  device: Peer;
}

interface Answer {
  code: string;
  from: Peer;
  to: Peer;
}

export interface Heard {
  /** Resolves with the first answer seen from the device's address. */
  answer: Promise<Answer>;
  stop(): void;
}

export function answerTo(link: Link, ends: InjectedEnds, sent: Uint8Array): Heard {
  const mid = sent.length >= 4 ? (sent[2]! << 8) | sent[3]! : 0;
  let onFrame: (f: LinkFrame) => void = () => {};
  const answer = new Promise<Answer>((resolve) => {
    onFrame = (f: LinkFrame) => {
      const d = f.datagram;
      if (f.direction !== 'in' || !d || d.src !== ends.device.address || d.payload.length < 4) return;
      const type = (d.payload[0]! >> 4) & 0x3;
      if (type < 2 || ((d.payload[2]! << 8) | d.payload[3]!) !== mid) return;
      resolve({
        code: `${d.payload[1]! >> 5}.${String(d.payload[1]! & 0x1f).padStart(2, '0')}`,
        from: { address: d.src, port: d.srcPort },
        to: { address: d.dst, port: d.dstPort },
      });
    };
    link.on('frame', onFrame);
  });
  return { answer, stop: () => link.off('frame', onFrame) };
}

function matches(code: string, alternatives: string[]): boolean {
  return alternatives.some((a) => new RegExp(`^${a.replace('.', '\\.').replace(/x/g, '\\d')}$`).test(code));
}

const peer = (p: Peer): string => `[${p.address}]:${p.port}`;
const samePeer = (a: Peer, b: Peer): boolean => a.address === b.address && a.port === b.port;

export async function judgeAnswer(run: StepRun, heard: Heard, ends: InjectedEnds, expected: string): Promise<StepOutcome> {
  const { bench, ctx } = run;
  const alternatives = expected.split('|').map((s) => s.trim());
  const silence = bench.sleep(Math.max(LISTEN_MS, bench.toClockMs(LISTEN_REAL_MS)), ctx.signal).then(() => 'none' as const);
  const got = await Promise.race([heard.answer, silence]).finally(() => heard.stop());
  const code = got === 'none' ? 'none' : got.code;
  ctx.log(`injected message answered: ${got === 'none' ? 'nothing (dropped)' : `${got.code} from ${peer(got.from)} to ${peer(got.to)}`}`);
  const answers = alternatives.filter((a) => a !== 'none');
  if (got !== 'none' && answers.length > 0 && !(samePeer(got.from, ends.device) && samePeer(got.to, ends.nms))) {
    const want = `${answers.join(' or ')} from ${peer(ends.device)} to ${peer(ends.nms)}`;
    const seen = `${got.code} from ${peer(got.from)} to ${peer(got.to)}`;
    return {
      status: 'failed',
      message: `injected message answered ${seen}, expected ${want} (where it came from)`,
      expected: want,
      seen,
      likelyCause: 'The device answers from or to another address or port than the message used, so the NMS that sent it never gets the answer.',
      fix: 'A CON message must be answered from the address and port it was sent to, to its exact source address and port (RFC 7252 5.3.2): fix the meter firmware.',
    };
  }
  if (matches(code, alternatives)) return { status: 'passed' };
  const said = code === 'none' ? 'nothing' : code;
  return {
    status: 'failed',
    message: `injected message answered ${said}, expected ${expected}`,
    expected: alternatives.map((a) => (a === 'none' ? 'a silent drop' : a)).join(' or '),
    seen: said,
  };
}
