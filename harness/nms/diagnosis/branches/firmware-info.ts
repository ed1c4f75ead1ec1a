/** TLV 75 check (csmp-protocol.md 9): the running slot's version and hwId against the rig's expectation. */
import { firmwareMismatches } from '../../firmware-image.js';
import type { Looked } from '../facts.js';
import { conclude, type Diagnosis } from '../result.js';

export function firmwareInfo(f: Looked<'firmware'>): Diagnosis | undefined {
  const exp = f.given.device.expected;
  const { answered, image } = f.firmware;
  // An empty expectation (an ad-hoc device given by address) is none.
  if (!answered || !exp || !(exp.firmwareVersion || exp.hwId)) return undefined;
  const problems = image.slot
    ? firmwareMismatches(image, exp).map((m) =>
        m.field === 'version'
          ? `running version ${JSON.stringify(m.seen)}, expected ${JSON.stringify(m.expected)}`
          : `hwId ${JSON.stringify(m.seen)}, expected ${JSON.stringify(m.expected)} (case-sensitive)`,
      )
    : ['no slot is marked running'];
  if (problems.length === 0) return undefined;
  return conclude(
    f,
    'firmware-info',
    `The device's firmware does not match what the NMS expects: ${problems.join('; ')}.`,
    'Load the expected image (matching the hwId in the NMS device-type metadata) onto the device, or correct the expected firmware in the rig/NMS.',
  );
}
