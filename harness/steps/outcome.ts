/**
 * How a step says it failed: expected, seen, likely cause, fix. A handler deep in a request
 * throws a StepFailure with the whole outcome; the executor turns it back into the step's result.
 */
import { formatTlv } from '../csmp/format.js';
import type { DecodedTlv } from '../csmp/value.js';
import type { StepOutcome } from '../runner/executor.js';

/** The fix reported for a failed expectation that carries `otherwise`: the device is what is wrong. */
export const FIRMWARE_FIX =
  'Firmware defect: the meter must behave as csmp-protocol.md requires here; give the firmware team this test (its pcap and console log show the exchange).';

export class StepFailure extends Error {
  constructor(readonly outcome: StepOutcome) {
    super(outcome.message);
  }
}

export const fail = (message: string, more: Omit<StepOutcome, 'status' | 'message'> = {}): never => {
  throw new StepFailure({ status: 'failed', message, ...more });
};

/** A suite's `otherwise` as the failure's cause: the firmware is to blame, not the bench. */
export function blameOtherwise(otherwise: string | undefined): Pick<StepOutcome, 'likelyCause' | 'fix'> {
  return otherwise ? { likelyCause: otherwise, fix: FIRMWARE_FIX } : {};
}

/** An answer's TLVs on one line. */
export const tlvLines = (tlvs: readonly DecodedTlv[]): string => (tlvs.length ? tlvs.map(formatTlv).join('; ') : 'no TLVs');
