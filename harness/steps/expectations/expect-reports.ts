/**
 * `expect-reports: { count, interval?, tolerance?, within }`: the device's next `count` periodic
 * reports come at the interval the NMS subscribed it to (or `interval`). Judged on the device's
 * own CurrentTime in each report where it carries one (the NMS's receive delay is not the
 * device's fault), and on the mean spacing, so one late timer on a loaded host is not a verdict
 * while a device reporting at its own default, or not at all, is. Reports from a device in a
 * reboot loop (diagnosis/reboot-loop.ts) are the first of each boot, not its timer's: a failure.
 */
import { formatDuration } from '../../../core/duration.js';
import type { ExpectReportsParams } from '../../config/expectation-steps.js';
import type { DeviceRecord } from '../../nms/device-state.js';
import { rebootLoop } from '../../nms/diagnosis/reboot-loop.js';
import type { StepOutcome } from '../../runner/executor.js';
import { blameOtherwise } from '../outcome.js';
import type { StepRun } from '../step-run.js';
import { abortable } from '../waits.js';

export const DEFAULT_REPORT_TOLERANCE = 0.25;

export async function expectReports(p: ExpectReportsParams, { bench, ctx }: StepRun): Promise<StepOutcome> {
  const rec = bench.nms.devices.require(ctx.device.name);
  const dev = rec.device.name;
  const fromCount = rec.reportCount;
  const since = bench.nms.events.mark();
  await abortable(ctx.signal, reportsArrived(bench, rec, fromCount + p.count, p.withinMs));
  // The reports since the step began (reportTimes keeps the last 64; a step counts a few).
  const fresh = Math.min(rec.reportCount - fromCount, rec.reportTimes.length);
  const reports = fresh > 0 ? rec.reportTimes.slice(-fresh).slice(0, p.count) : [];
  const intervalS = p.intervalMs !== undefined ? p.intervalMs / 1000 : rec.reportIntervalS;
  const source = p.intervalMs !== undefined ? 'the suite' : rec.reportIntervalSource === 'registration' ? 'subscribed by the NMS' : rec.reportIntervalSource === 'device' ? 'read from the device' : 'the NMS setting';
  const more = blameOtherwise(p.otherwise);
  // A device that reboots between reports sends one per boot: the loop, not its timer, is the fault.
  const loop = rebootLoop(bench.nms.events.find((e) => e.device === dev, since), bench.restartsOf(dev));
  const also = loop ? `; ${loop}` : '';
  if (intervalS === undefined) {
    return { status: 'failed', message: `the NMS knows no report interval for ${dev} (it never registered it and could not read TLV 13)`, expected: `${p.count} reports at the subscribed interval`, seen: `${reports.length} report(s)`, ...more };
  }
  const tol = p.tolerance ?? DEFAULT_REPORT_TOLERANCE;
  const want = `${p.count} reports every ${intervalS} s ± ${Math.round(tol * 100)} % (${source}) within ${formatDuration(p.withinMs)}`;
  const gaps = spacings(reports);
  const gapText = gaps.length ? `${gaps.map((g) => g.toFixed(1)).join(', ')} s` : 'no interval';
  if (reports.length < p.count) {
    return {
      status: 'failed',
      message: `${reports.length} periodic report(s) from ${dev} in ${formatDuration(p.withinMs)}, expected ${p.count} every ${intervalS} s${also}`,
      expected: want,
      seen: `${reports.length} report(s)${gaps.length ? `, spaced ${gapText}` : ''}`,
      ...more,
    };
  }
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  // One report per boot is no report timer, however its spacing happens to fall.
  if (Math.abs(mean - intervalS) > intervalS * tol || loop) {
    return {
      status: 'failed',
      message: `${dev} reports every ${mean.toFixed(1)} s (${reports.length} reports: ${gapText} apart); subscribed ${intervalS} s ± ${Math.round(tol * 100)} %${also}`,
      expected: want,
      seen: `${reports.length} reports, spaced ${gapText} (${reports.every((r) => r.deviceS !== undefined) ? "the device's CurrentTime" : 'as received'})`,
      ...more,
    };
  }
  return { status: 'passed', message: `${reports.length} reports every ${mean.toFixed(1)} s (${gapText}), subscribed ${intervalS} s` };
}

/** Seconds between successive reports: the device's clock when every report gave it, else arrival times. */
export function spacings(reports: readonly { at: number; deviceS?: number }[]): number[] {
  const device = reports.every((r) => r.deviceS !== undefined);
  const out: number[] = [];
  for (let i = 1; i < reports.length; i++) out.push(device ? reports[i]!.deviceS! - reports[i - 1]!.deviceS! : (reports[i]!.at - reports[i - 1]!.at) / 1000);
  return out;
}

/** Resolves when the device's report count reaches `target`, or when `ms` of clock time have passed. */
function reportsArrived(bench: StepRun['bench'], rec: DeviceRecord, target: number, ms: number): Promise<void> {
  const { nms, clock } = bench;
  return new Promise((resolve) => {
    if (rec.reportCount >= target) return resolve();
    const onReport = (r: DeviceRecord): void => {
      if (r !== rec || rec.reportCount < target) return;
      done();
    };
    const done = (): void => {
      clock.clearTimeout(timer);
      nms.devices.off('report', onReport);
      resolve();
    };
    const timer = clock.setTimeout(done, ms);
    nms.devices.on('report', onReport);
  });
}
