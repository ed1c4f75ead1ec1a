/**
 * `hil diagnose` as a function: let the device show itself to the NMS (it registers and reports,
 * or it registers and rejects the answer, or the NMS refuses it), then walk the flowchart.
 * The wait ends at the first of those, or after `waitMs` of rig time: a device that says nothing
 * is a diagnosis too. On a rig whose session starts as-found the device is asked at once (GET
 * ReportSubscribe): one registered to an earlier NMS need not be waited for until it reports.
 */
import type { DeviceSpec } from '../config/rig.js';
import type { Diagnosis } from '../nms/diagnosis/result.js';
import type { NmsEvent } from '../nms/events.js';
import { CONFIG_READ, consoleCommand } from '../steps/device-control.js';
import { diagnoseDevice } from '../steps/diagnosis.js';
import type { OpenedBench } from './open-bench.js';

const TELLING: ReadonlySet<NmsEvent['name']> = new Set(['up', 'signatureFailure', 'registrationRejected', 'csmpNotification']);

export async function diagnoseLive(b: OpenedBench, target: DeviceSpec, waitMs: number): Promise<Diagnosis> {
  const { nms, bench } = b;
  // The opened rig's entry: on the virtual rig it carries the console the simulation made.
  const device = b.rig.devices.find((d) => d.name === target.name) ?? target;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      bench.clock.clearTimeout(timer);
      nms.events.off('event', onEvent);
      resolve();
    };
    const onEvent = (e: NmsEvent): void => {
      if (e.device === device.name && TELLING.has(e.name)) done();
    };
    const timer = bench.clock.setTimeout(done, waitMs);
    nms.events.on('event', onEvent);
    if (nms.devices.require(device.name).state === 'up') done();
    // A rack found as it is: the device may be registered to an earlier NMS and only report, a
    // report interval away. An answered GET counts as heard (it ends the wait as 'up').
    else if (b.rig.session?.start === 'as-found') nms.probe(device.name, { timeoutMs: waitMs }).catch(() => undefined);
  });
  const con = bench.console(device.name);
  const readConfig = con && device.console?.commands[CONFIG_READ] !== undefined;
  return diagnoseDevice(bench, device.name, {
    ...(readConfig ? { consoleConfigXml: () => con.run(consoleCommand(device, CONFIG_READ, ''), { timeoutMs: 5000 }) } : {}),
  });
}
