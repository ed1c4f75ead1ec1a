import { createHash } from 'node:crypto';
import type { DeviceSpec, Rig } from '../config/rig.js';
import { requirementsOf, type Suite, type TestSpec } from '../config/suite.js';
import { ConfigError } from '../../core/errors.js';
import type { DeviceInfo, TestCase } from '../model/run-model.js';
import type { ResolvedRunOptions } from './options.js';

export interface PlannedTest {
  testCase: TestCase;
  suite: Suite;
  spec: TestSpec;
  device: DeviceSpec;
}

export function deviceInfo(d: DeviceSpec): DeviceInfo {
  return {
    name: d.name,
    eui64: d.eui64,
    address: d.address,
    link: d.link,
    port: d.port,
    firmwareVersion: d.expected.firmwareVersion,
    hwId: d.expected.hwId,
    firmwareGroup: d.expected.firmwareGroup,
    capabilities: [...d.capabilities],
  };
}

export function testId(suite: string, test: string, device: string): string {
  return createHash('sha256').update(`${suite}\0${test}\0${device}`).digest('hex').slice(0, 16);
}

const quoteList = (xs: readonly string[]): string => xs.map((x) => `'${x}'`).join(', ');

function skipReason(rig: Rig, device: DeviceSpec, caps: string[], nmsAddresses: string[]): string | undefined {
  const missing = caps.filter((c) => !device.capabilities.includes(c));
  if (missing.length)
    return `${device.name} lacks ${missing.length > 1 ? 'capabilities' : 'capability'} ${quoteList(missing)} (has: ${device.capabilities.join(', ') || 'none'})`;
  const names = rig.nms.addresses.map((a) => a.name);
  const absent = nmsAddresses.filter((a) => !names.includes(a as 'fnd' | 'vip'));
  if (absent.length) return `rig ${rig.name} has no NMS address ${quoteList(absent)}`;
  return undefined;
}

/**
 * Every (suite, test, device) the options select, in suite → device → test order. Tests a device
 * cannot run are kept, with a skip reason: a report must show them, not lose them.
 */
export function planTests(rig: Rig, suites: readonly Suite[], opts: ResolvedRunOptions): PlannedTest[] {
  const unknown = (flag: string, asked: readonly string[] | undefined, have: string[]): void => {
    const missing = (asked ?? []).filter((n) => !have.includes(n));
    if (missing.length) throw new ConfigError(flag, 'reference', `no ${flag.slice(2)} named ${quoteList(missing)} (have: ${have.join(', ')})`);
  };
  unknown('--device', opts.device, rig.devices.map((d) => d.name));
  unknown('--suite', opts.suite, suites.map((s) => s.name));

  const devices = rig.devices.filter((d) => !opts.device || opts.device.includes(d.name));
  const planned: PlannedTest[] = [];
  for (const suite of suites) {
    if (opts.suite && !opts.suite.includes(suite.name)) continue;
    for (const device of devices) {
      for (const spec of suite.tests) {
        const title = `${suite.name} @ ${device.name} › ${spec.name}`;
        if (opts.grep) {
          opts.grep.lastIndex = 0; // a /g pattern would otherwise remember where the last title matched
          if (!opts.grep.test(title)) continue;
        }
        const requires = requirementsOf(suite, spec);
        const testCase: TestCase = {
          id: testId(suite.name, spec.name, device.name),
          rig: rig.name,
          suite: { name: suite.name, branch: suite.branch, file: suite.file },
          name: spec.name,
          title,
          where: spec.where,
          device: deviceInfo(device),
          requires,
          retries: opts.retries,
        };
        const reason = skipReason(rig, device, requires.capabilities, requires.nmsAddresses);
        if (reason) testCase.skipReason = reason;
        planned.push({ testCase, suite, spec, device });
      }
    }
  }
  return planned;
}

export function shardGroupOf(shardBy: ResolvedRunOptions['shardBy']): (p: PlannedTest) => string {
  return shardBy === 'device' ? (p) => p.device.name : (p) => `${p.suite.name}\0${p.device.name}`;
}
