/** All-NULL fields → flash corruption (csmp-protocol.md 9): WPANStatus answers, its SSID is absent. */
import type { Looked } from '../facts.js';
import { conclude, type Diagnosis } from '../result.js';

export function flashCorruption(f: Looked<'status'>): Diagnosis | undefined {
  const { wpanStatus, certValid } = f.status;
  if (!wpanStatus || (wpanStatus['SSID'] !== undefined && wpanStatus['SSID'] !== null)) return undefined;
  return conclude(
    f,
    'flash-corruption',
    `Values the device reads from flash come back absent (WPANStatus.SSID${certValid === undefined ? ' and CGMSStatus.NMSCertValid' : ''} "NULL"): the device's flash/NVRAM content is corrupted.`,
    'Return the device to the vendor for hardware/flash repair or replacement; re-provision its configuration and certificates afterwards.',
  );
}
