/**
 * What a device did with an injected CoAP message: the first ACK or RST from its address with
 * the injected Message ID, or nothing within the listening window.
 */
import type { Link, LinkFrame } from '../../../drivers/link/types.js';
import type { StepOutcome } from '../../runner/executor.js';
import type { StepRun } from '../step-run.js';

/** How long a device gets to answer before "nothing" counts as its answer: rig time, and at least LISTEN_REAL_MS of real time so a loaded machine's late answer is not taken for a drop. */
const LISTEN_MS = 30_000;
const LISTEN_REAL_MS = 5_000;

export interface Heard {
  /** Resolves with the answer's code ('4.00') or 'none'. */
  code: Promise<string>;
  stop(): void;
}

export function answerTo(link: Link, device: string, sent: Uint8Array): Heard {
  const mid = sent.length >= 4 ? (sent[2]! << 8) | sent[3]! : 0;
  let onFrame: (f: LinkFrame) => void = () => {};
  const code = new Promise<string>((resolve) => {
    onFrame = (f: LinkFrame) => {
      const d = f.datagram;
      if (f.direction !== 'in' || !d || d.src !== device || d.payload.length < 4) return;
      const type = (d.payload[0]! >> 4) & 0x3;
      if (type < 2 || ((d.payload[2]! << 8) | d.payload[3]!) !== mid) return;
      resolve(`${d.payload[1]! >> 5}.${String(d.payload[1]! & 0x1f).padStart(2, '0')}`);
    };
    link.on('frame', onFrame);
  });
  return { code, stop: () => link.off('frame', onFrame) };
}

function matches(code: string, alternatives: string[]): boolean {
  return alternatives.some((a) => new RegExp(`^${a.replace('.', '\\.').replace(/x/g, '\\d')}$`).test(code));
}

export async function judgeAnswer(run: StepRun, heard: Heard, expected: string): Promise<StepOutcome> {
  const { bench, ctx } = run;
  const alternatives = expected.split('|').map((s) => s.trim());
  const silence = bench.sleep(Math.max(LISTEN_MS, bench.toClockMs(LISTEN_REAL_MS)), ctx.signal).then(() => 'none');
  const got = await Promise.race([heard.code, silence]).finally(() => heard.stop());
  ctx.log(`injected message answered: ${got === 'none' ? 'nothing (dropped)' : got}`);
  if (matches(got, alternatives)) return { status: 'passed' };
  const said = got === 'none' ? 'nothing' : got;
  return {
    status: 'failed',
    message: `injected message answered ${said}, expected ${expected}`,
    expected: alternatives.map((a) => (a === 'none' ? 'a silent drop' : a)).join(' or '),
    seen: said,
  };
}
