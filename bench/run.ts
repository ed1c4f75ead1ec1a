/**
 * `npm run bench`: the speed and memory figures the README records. Each section prints its own
 * lines; targets are printed beside the measurement so a regression is visible at a glance.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { benchFleet } from './fleet.js';
import { benchRollout } from './rollout.js';
import { benchSuiteRun } from './suite-run.js';
import { benchWire } from './wire.js';
import { benchDecode, targets as decodeTargets } from './decode.js';
import { benchReportSize } from './report-size.js';
import { benchMonitor } from './monitor.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const vectors = join(root, 'test', 'fixtures', 'vectors');
const log = (s: string) => process.stdout.write(`${s}\n`);

log(`csmp-hil bench — node ${process.version}, ${new Date().toISOString()}`);
const wire = await benchWire(vectors, log);
log(`  target: ≥100,000 decodes/s (${wire.decodePerSec >= 100_000 ? 'met' : 'NOT met'}), ≥10× tshark with a CSMP dissector (${wire.ratio === undefined ? 'not measured' : wire.ratio >= 10 ? 'met' : 'NOT met'})`);
log(decodeTargets(benchDecode(vectors, log)));
const mon = await benchMonitor(log);
log(`  target: no frame dropped at 10× the line rate (${mon.received === mon.sent && mon.dropped === 0 ? 'met' : 'NOT met'})`);
const fleet = await benchFleet(log);
log(`  target: ≥2,000 registrations/s (${fleet.registrationsPerSec >= 2_000 ? 'met' : 'NOT met'}), peak RSS <1 GB (${fleet.peakRssMB < 1024 ? 'met' : 'NOT met'}), ≥50 % of the all-core sign+verify bound (${fleet.ratio >= 0.5 ? 'met' : 'NOT met'})`);
const rollout = await benchRollout(log);
log(`  target: goodput ≥85 % of the line (${rollout.goodputShare >= 0.85 ? 'met' : 'NOT met'}), group of 4 ≤1.2× one (${rollout.groupRatio <= 1.2 ? 'met' : 'NOT met'})`);
const [one, four] = benchSuiteRun(root, log);
log(`  target: 4 meters <60 s (${four!.wallSec < 60 ? 'met' : 'NOT met'}), ≤1.5× the time of 1 (${(four!.wallSec / one!.wallSec).toFixed(2)}×: ${four!.wallSec <= 1.5 * one!.wallSec ? 'met' : 'NOT met'})`);
const report = benchReportSize(vectors, log);
log(`  target: HTML of a nightly ≤64 MB (${report.fileMB <= 64 ? 'met' : 'NOT met'})`);
