/**
 * The rig a run plans with: for a virtual rig, the devices as the simulation will offer them
 * (rigs/virtual/rig.ts plannedVirtualRig), for hardware the file as written. One function for
 * `hil run`, `hil run --list` and `hil list --rig`, so the skip reasons they print are the run's.
 */
import type { Rig } from '../config/rig.js';
import { plannedVirtualRig } from '../../rigs/virtual/rig.js';

export function plannedRig(rig: Rig): Rig {
  return rig.virtual ? plannedVirtualRig(rig) : rig;
}
