/**
 * A step that failed on a device which rebooted on its own during the test (a watchdog, a crash, a
 * brown-out) failed because of that reboot: its counters, session and registration began again.
 * Walking the flowchart against a device half-way through booting would name whichever branch a
 * fresh boot looks like ("registration does not complete"), so the reboot is said instead.
 *
 * The device's Uptime tells when it booted. That boot was its own doing when it came after the test
 * began and after a registration the device had completed since the last restart the harness asked
 * for (a power step, a console reboot, a load): the boot a restart causes comes before the
 * registration that follows it. The NMS's event log shows when the device registered anew after
 * it, if it has yet. Nothing is claimed without an Uptime, nor asked of a device not heard from in
 * this test (a silent device gets its verdict from the flowchart's liveness probe, within the step).
 */
import { formatDuration } from '../../core/duration.js';
import { readBoot } from '../nms/transfer/reboot.js';
import type { StepOutcome } from '../runner/executor.js';
import { uptimeSlackS } from './crash-class.js';
import { remainingMs, type StepRun } from './step-run.js';

/** Real ms the Uptime read may take: it is a check on a device that answered in this test. */
const UPTIME_READ_MS = 1500;

/**
 * The failure explained by a reboot nobody asked for during the test; undefined when there was
 * none. `answered`: the step itself had answers from the device (a flowchart walk that was not silent).
 */
export async function explainByUnaskedReboot(out: StepOutcome, run: StepRun, answered = false): Promise<StepOutcome | undefined> {
  const { bench, ctx, attempt } = run;
  const dev = ctx.device.name;
  const start = attempt.window.atMs;
  const heard = bench.nms.devices.get(dev)?.lastHeardAt;
  if (!answered && attempt.reply === undefined && attempt.reads.size === 0 && !(heard !== undefined && heard >= start)) return undefined;
  const timeoutMs = Math.min(run.limits.requestTimeoutMs, remainingMs(run) - 250, UPTIME_READ_MS);
  if (timeoutMs < 50) return undefined;
  const boot = await bench.sources.around(dev, () => readBoot(bench, dev, bench.toClockMs(timeoutMs)));
  if (!boot) return undefined;
  // A device clock that lags makes its Uptime short and the boot look later than it was: only a
  // boot whose earliest edge, moved earlier by that drift, is inside the test and after the
  // registration is claimed; a restart the harness asked for up to the latest edge may be it.
  const readAt = bench.clock.now();
  const slackMs = uptimeSlackS((readAt - boot.earliest) / 1000) * 1000;
  const bootAt = boot.earliest - slackMs;
  if (bootAt < start) return undefined;
  const asked = bench.restartsOf(dev).filter((r) => r <= boot.latest + slackMs);
  const lastAsked = asked.length ? asked[asked.length - 1]! : -Infinity;
  const events = bench.nms.events.find((e) => e.device === dev);
  const registered = events.filter((e) => e.name === 'registrationSuccess' && e.at >= lastAsked && e.at < bootAt).at(-1);
  if (!registered) return undefined;
  const anew = events.find((e) => e.name === 'registrationRequest' && e.at >= boot.earliest);
  const into = (ms: number): string => (ms < start ? `${formatDuration(Math.round(start - ms))} before the test began` : `${formatDuration(Math.round(ms - start))} into the test`);
  const again = anew ? `; it registered anew ${into(anew.at)}` : '; it had not registered anew when read';
  return {
    ...out,
    message: `${out.message} — the device rebooted on its own during this test, about ${into(boot.latest)} (no power cycle, console reboot or load asked for)`,
    seen: [
      out.seen,
      `reboot: Uptime ${boot.uptimeS} s when read ${into(readAt)}, so it booted after its registration completed ${into(registered.at)}${again}`,
    ]
      .filter((l) => l !== undefined && l !== '')
      .join('\n'),
    likelyCause:
      'The device restarted by itself (a watchdog reset, a crash or a brown-out) while the test ran: what the test checked after that saw a fresh boot, not the state the test had set up.',
    fix: "Read this test's console log across the reset (the watchdog's or crash handler's output) and give the firmware team the pcap: the frames before the device fell silent are what it was doing when it reset.",
  };
}
