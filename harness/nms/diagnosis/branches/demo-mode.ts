/**
 * Demo mode (csmp-protocol.md 9): the meter's console configuration (DevCfgSchema
 * DemoMode_Cfg/DemoModeEnable) says so; failing that, WPANStatus.demoModeEnabled, the nearest
 * CSMP field.
 */
import type { Looked } from '../facts.js';
import { conclude, type Diagnosis } from '../result.js';

const FIX = 'Have the meter vendor disable demo mode in the meter configuration (DemoModeEnable false) and reload it.';

export function demoMode(f: Looked<'status' | 'console'>): Diagnosis | undefined {
  if (f.console.demoMode === true) {
    return conclude(f, 'demo-mode', 'The meter runs in demo mode (DevCfgSchema DemoMode_Cfg/DemoModeEnable = true).', FIX);
  }
  if (f.status.wpanStatus?.['demoModeEnabled'] === true) {
    return conclude(f, 'demo-mode', 'The device reports demo mode enabled (WPANStatus.demoModeEnabled true).', FIX, [
      { what: 'GET 35 WPANStatus.demoModeEnabled', seen: 'true' },
    ]);
  }
  return undefined;
}
