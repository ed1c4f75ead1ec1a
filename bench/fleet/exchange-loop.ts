/**
 * The registration exchange reduced to its datagrams, on one UDP socket per meter on ::1 as the
 * fleet runs (bench/fleet/shard.ts): meter i sends its request to the NMS socket, the NMS
 * answers, the meter checks the answer and sends its report. At most WINDOW exchanges are
 * outstanding, as in the fleet. The roles say what the bytes are and what each side does with
 * them: bare-exchange.ts (sizes and crypto only), codec-exchange.ts (the harness's codec, no state).
 */
import { createSocket, type Socket } from 'node:dgram';

/** Exchanges outstanding at once: the fleet's window (bench/fleet.ts DEFAULT_WINDOW). */
const WINDOW = 32;
const DEADLINE_MS = 60_000;

export interface ExchangeRoles {
  /** What meter i sends to start its exchange. */
  request(meter: number): Uint8Array;
  /** The NMS's answer to a datagram, or undefined for one it does not answer (a report). */
  answer(datagram: Buffer): Uint8Array | undefined;
  /** The meter's check of the answer: the report it sends next, or an Error saying what failed. */
  accept(meter: number, answer: Buffer): Uint8Array | Error;
}

/** Runs `count` exchanges, one meter (and socket) each; resolves their rate, exchanges/s. */
export async function exchangesPerSec(name: string, count: number, roles: ExchangeRoles): Promise<number> {
  const nms = await bound();
  const meters: Socket[] = [];
  try {
    for (let i = 0; i < count; i++) meters.push(await bound());
    const nmsPort = nms.address().port;
    let sent = 0;
    let done = 0;
    let bad = 0;
    let firstProblem = '';
    const t0 = performance.now();
    let deadline: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve, reject) => {
      // A datagram lost on the loopback would stall its meter: bounded, and said.
      deadline = setTimeout(() => reject(new Error(`${name}: ${count - done} of ${count} exchanges unanswered after ${DEADLINE_MS / 1000} s`)), DEADLINE_MS);
      nms.on('message', (m, from) => {
        const answer = roles.answer(m);
        if (answer !== undefined) nms.send(answer, from.port, '::1');
      });
      const start = (i: number): void => meters[i]!.send(roles.request(i), nmsPort, '::1');
      meters.forEach((meter, i) => {
        meter.on('message', (m) => {
          const report = roles.accept(i, m);
          if (report instanceof Error) {
            bad++;
            firstProblem ||= `meter ${i}: ${report.message}`;
          } else {
            meter.send(report, nmsPort, '::1');
          }
          done++;
          if (done === count) resolve();
          else if (sent < count) start(sent++);
        });
      });
      for (; sent < Math.min(WINDOW, count); sent++) start(sent);
    }).finally(() => clearTimeout(deadline));
    const seconds = (performance.now() - t0) / 1000;
    if (bad !== 0) throw new Error(`${name}: ${bad} of ${count} answers refused (${firstProblem})`);
    return count / seconds;
  } finally {
    await Promise.all([nms, ...meters].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function bound(): Promise<Socket> {
  const s = createSocket({ type: 'udp6', ipv6Only: true });
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind({ address: '::1', port: 0 }, () => {
      s.off('error', reject);
      resolve(s);
    });
  });
}
