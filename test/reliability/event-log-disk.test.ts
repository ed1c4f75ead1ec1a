/**
 * The event log on a disk that fills and frees again mid-run (tmpfs in a private mount namespace,
 * the real kernel's ENOSPC and short writes): every line left in it is a whole event, the run ends
 * "results not fully recorded" (exit 4), and `hil merge` of that log reports what it holds and says
 * what it lacks (exit 4) instead of refusing the whole file at a cut-off line. The disk changes wait
 * on what the run writes (its first testBegin, then its own "no space" line), never on time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest } from '@jest/globals';
import { tempDir, writeRig } from '../suites/support/rigs.js';
import { ensureBuilt, MAIN } from '../harness/cli/support/cli.js';
import { inMountNamespace, onTmpfs } from './support/mount-namespace.js';

jest.setTimeout(240_000);

const tmp = tempDir('hil-evlog-disk-');
afterAll(() => tmp.cleanup());
beforeAll(() => ensureBuilt());

describe('the event log when the disk fills and frees again', () => {
  onTmpfs('holds only whole events, and hil merge reports the results with what the log lacks (exit 4)', async () => {
    const rig = writeRig(tmp.dir, 'disk-rig', [{}]);
    const mnt = join(tmp.dir, 'mnt');
    const reports = join(mnt, 'r');
    const runErr = join(tmp.dir, 'run.err');
    const copy = join(tmp.dir, 'events.jsonl');
    const merged = join(tmp.dir, 'merged');
    const script = [
      `mkdir -p "${mnt}"`,
      `mount -t tmpfs -o size=2m tmpfs "${mnt}"`,
      `"${process.execPath}" "${MAIN}" run --rig "${rig}" --suite registration --reports "${reports}" --reporter junit,events >/dev/null 2>"${runErr}" &`,
      'pid=$!',
      `until grep -q '"type":"testBegin"' "${reports}/events.jsonl" 2>/dev/null; do kill -0 $pid 2>/dev/null || break; sleep 0.05; done`,
      `dd if=/dev/zero of="${mnt}/filler" bs=4k 2>/dev/null`,
      `until grep -q 'events.jsonl: no space left' "${runErr}"; do kill -0 $pid 2>/dev/null || break; sleep 0.05; done`,
      `rm "${mnt}/filler"`,
      'wait $pid',
      'echo "run exit $?"',
      `cp "${reports}/events.jsonl" "${copy}"`,
      `"${process.execPath}" "${MAIN}" merge "${copy}" --reports "${merged}" >/dev/null`,
      'echo "merge exit $?"',
    ].join('\n');
    const r = await inMountNamespace(script);
    expect(r.stdout.trimEnd().split('\n')).toEqual(['run exit 4', 'merge exit 4']);
    expect(readFileSync(runErr, 'utf8')).toContain(`hil run: cannot record results: ${reports}/events.jsonl: no space left on the device (ENOSPC); the run goes on and will end with exit code 4`);
    const lines = readFileSync(copy, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    const unreadable = lines.filter((l) => {
      try {
        JSON.parse(l);
        return false;
      } catch {
        return true;
      }
    });
    expect(unreadable).toEqual([]);
    const types = lines.map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types.slice(0, 2)).toEqual(['header', 'begin']);
    expect(types.at(-1)).toBe('end');
    const said = r.stderr.split('\n').filter((l) => l.startsWith('hil merge: '));
    expect(said.length).toBeGreaterThan(0);
    // The lost-event records name the log as the run wrote it.
    for (const l of said) expect(l).toMatch(new RegExp(`^hil merge: ${reports}/events\\.jsonl: \\d+ events? of this run could not be written \\(no space left on the device \\(ENOSPC\\)\\); this log lacks (it|them)$`));
    expect(r.stderr).toMatch(new RegExp(`\\nerror: 5 passed, 0 failed in [\\d.]+s — ${copy}: results not fully recorded\\n`));
    expect(r.stderr).not.toContain('    at ');
  });
});
