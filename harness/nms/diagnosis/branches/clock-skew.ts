/**
 * Clock skew → SignatureValidity failure (csmp-protocol.md 9, 7.6): the device's clock lies
 * outside the window the NMS signs with, or the device counts signatures with a bad validity
 * while rejecting the 2.03 or signed requests.
 */
import type { Looked } from '../facts.js';
import { conclude, type Diagnosis } from '../result.js';

export function clockSkew(f: Looked<'nms' | 'signatures'>): Diagnosis | undefined {
  const { offsetS, outsideWindow, badValidity, rejectedResponses } = f.signatures;
  const { validity } = f.given;
  if (!outsideWindow && !(badValidity > 0 && (rejectedResponses > 0 || f.nms.signatureFailures > 0))) return undefined;
  return conclude(
    f,
    'clock-skew',
    `The device clock is ${offsetS === undefined ? 'outside' : `${Math.abs(offsetS)} s ${offsetS < 0 ? 'behind' : 'ahead of'}`} the NMS${outsideWindow ? `, outside the SignatureValidity window (-${validity.beforeS} s .. +${validity.afterS} s)` : ''}: it rejects the signed registration response (sigBadValidity ${badValidity}), the NMS logs signatureFailure (1085, Invalid CSMP Signature) and the device stays Registering.`,
    "Verify the certificate setup and that the device and IoT-FND are time synchronized: fix the device clock (NTP / time source, RTC) and check the FND host's own NTP sync.",
  );
}
