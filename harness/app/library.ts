/**
 * csmp-hil as a library: `import { … } from 'csmp-hil'` (package.json `exports`, types in
 * dist/harness/app/library.d.ts). A lab drives rigs from its own Jest or TypeScript code with the
 * same functions the `hil` CLI calls (test/package/library.test.ts holds the CLI to that), so a
 * script and `hil run` cannot drift apart. examples/jest/virtual-rig.test.ts is the documented
 * example, run by this project's own `npm test`.
 *
 * Everything here is re-exported, never wrapped: the names below are the API, their files are not.
 */

// Rigs and suites
export { loadRig, parseRig, type Rig, type DeviceSpec, type LinkSpec, type LoadRigOptions } from '../config/rig.js';
export { loadSuite, loadSuites, parseSuite, type Suite, type TestSpec } from '../config/suite.js';
export { defaultRigFile, defaultSuitesDir, defaultSuitePaths, defaultReportsDir, packageRoot, DEFAULT_REPORTS_DIR, DEFAULT_HISTORY_DIR } from './defaults.js';
export { planRun, type PlanRunOptions, type PlannedRun } from './plan-run.js';
export { plannedRig } from './planned-rig.js';
export { withMeters } from './scale-rig.js';

// A bench: the rig opened (virtual or hardware), its links, the NMS, consoles and power
export { openBench, BENCH_REPORT_INTERVAL_S, type OpenedBench, type OpenBenchOptions } from './open-bench.js';
export { withBench, targetDevice } from './one-shot.js';
export { checkRig, checkPassed, type DeviceCheck, type Finding, type CheckOptions } from './check-rig.js';
export { diagnoseLive } from './diagnose-live.js';
export { upgrade, type UpgradeOptions, type UpgradeOutcome, type LoadWhen } from './upgrade.js';
export { Nms, CSMP_PORT, type NmsAddressName } from '../nms/nms.js';
export type { Bench } from '../steps/bench.js';

// Running suites, as `hil run` does
export { ProcessStop, Stopped, STOP_SIGNALS, type ProcessStopOptions, type SignalSource } from './process-stop.js';
export { lockFolder, type FolderLock, type LockOwner } from './reports-lock.js';
export { lockOutputs, outputLockPath, type OutputLocks } from './output-locks.js';
export { clearEarlierRun, clearedBy, setAsideEarlierRun, type Cleared, type EarlierRun } from './reports-folder.js';
export { RecordingHealth, RESULTS_NOT_RECORDED } from './recording.js';
export { guardedReporters, reportFiles, runSuites, reporterSpecs, type RunSuitesOptions, type RunSuitesResult } from './run-suites.js';
export { DEFAULT_MINIMISE_BUDGET_MS, DEFAULT_MINIMISE_TRIES, type MinimiseSettings } from './minimise-reproducers.js';
export { certify, type CertifyOptions, type CertifyResult } from './certify.js';
export type { Reporter, HarnessError } from '../model/reporter.js';
export type { RunInfo, RunNote, RunSummary, TestCase, TestResult, TestOutcome, TestStatus } from '../model/run-model.js';

// Leases and run history, as `hil locks` and `hil history` see them
export { leaseStoreFor } from './lease-store.js';
export { listLocks, releaseLocks, lockKeyFor, renderLocks, type LockRow } from './locks.js';
export { monitorTarget, openTap, printFrames, type MonitorTarget, type TapOptions, type MonitorOutput } from './monitor.js';
// Wireshark's extcap interface onto the same receive-only taps, and its installer
export { EXTCAP_INTERFACE, EXTCAP_VERSION, parseExtcapArgs, extcapInterfaces, extcapDlts, extcapConfig, runExtcapCapture, validateCaptureFilter, type ExtcapArgs, type ExtcapCaptureOptions } from './extcap.js';
export { extcapPaths, installExtcap, type ExtcapPaths } from './extcap-install.js';
export { compileCaptureFilter, SUPPORTED_FILTER, type PacketFilter } from './capture-filter.js';
export type { LeaseStore, LeaseRecord, UnreleasedLease } from '../../core/lease.js';
export { readHistory, type HistoryRead, type RecordedRun } from '../history/read.js';
export { historyStats, type TestHistory } from '../history/stats.js';
export { readTrend, type TrendRun } from '../history/trend.js';

// Decoding what a device said
export { decodeIpv6Message, decodeCoapMessage, type CsmpMessage } from '../decode/message.js';
export { decodePayload, buildPayload, type DecodedPayload } from '../csmp/payload.js';
export { TLV, type TlvName } from '../csmp/tlv-ids.js';

// Errors: each names what was wrong and where, with a code from a closed set
export {
  ConfigError,
  DecodeError,
  ResourceError,
  CONFIG_ERROR_CODES,
  DECODE_ERROR_CODES,
  RESOURCE_ERROR_CODES,
  type ConfigErrorCode,
  type DecodeErrorCode,
  type ResourceErrorCode,
} from '../../core/errors.js';
