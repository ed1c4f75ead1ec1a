/**
 * What `--help` adds after each command's options: examples a person can copy, and the exit codes
 * a script can rely on. Kept here, in one table, so the codes read the same everywhere and match
 * the README's table.
 */
import type { Command } from 'commander';

type Codes = readonly (readonly [string, string])[];

const USAGE: readonly [string, string] = ['2', 'usage error (unknown option, missing argument, bad value), or the harness could not run'];
const STOPPED: readonly [string, string] = ['129/130/143', 'stopped by SIGHUP/SIGINT/SIGTERM; 129 also when its parent process went away (e.g. npx killed)'];

interface CommandHelp {
  examples: readonly string[];
  codes: Codes;
}

export const COMMAND_HELP: Readonly<Record<string, CommandHelp>> = {
  run: {
    examples: [
      'hil run                                     every suite against the default virtual rig',
      'hil run --rig rigs/bench-3.yaml --reports out   a real bench, reports in out/',
      'hil run --list --rig rigs/bench-3.yaml      what would run on this rig, and why the rest would not',
      'hil run --suite clock-skew --device meter-2 --retries 1',
      'hil run --reporter tap | npx tap-spec       TAP on stdout, progress on stderr',
      'hil run --json > summary.json               a JSON summary on stdout',
      'hil run --shard 2/4 --reporter junit,events=-',
      'HIL_RIG=rigs/bench-3.yaml hil run           the rig from the environment (or hil.config.yaml)',
    ],
    codes: [
      ['0', 'every test passed (flaky and skipped tests included)'],
      ['1', 'a test failed or ended in error'],
      ['2', 'the harness could not run: usage, rig or suite file, the reports folder or a device in use, the rig would not open'],
      ['3', 'rig fault only: every test that did not pass ended because its device failed its health check or was lost'],
      ['4', 'results could not be recorded (a report or attachment write failed: disk full, read-only); do not trust the reports'],
      STOPPED,
    ],
  },
  list: {
    examples: ['hil list', 'hil list --rig rigs/bench-3.yaml     which devices would skip which test, and why', 'hil list --steps --json'],
    codes: [
      ['0', 'listed'],
      ['2', 'usage error, or a rig or suite file that cannot be used'],
    ],
  },
  request: {
    examples: ['hil request meter-1 75', 'hil request 00:17:3b:ff:fe:00:00:02 58 35 --json', 'hil request fd00:77::103 18 --timeout 3s'],
    codes: [['0', 'the device answered 2.xx'], ['1', 'it answered an error code, or nothing in time'], USAGE, STOPPED],
  },
  diagnose: {
    examples: ['hil diagnose meter-3', 'hil diagnose meter-3 --wait 5m --json'],
    codes: [
      ['0', 'healthy: every check of the flowchart was answered and none found a fault'],
      ['1', 'not healthy: a flowchart branch was found, the device answered nothing (silent), or a check went unanswered (inconclusive); printed with its evidence, cause and fix'],
      USAGE,
      STOPPED,
    ],
  },
  check: {
    examples: ['hil check', 'hil check --rig rigs/bench-3.yaml --json'],
    codes: [['0', 'every device ready'], ['1', 'a device not ready'], ['2', 'usage error, or the rig cannot open'], STOPPED],
  },
  sim: {
    examples: ['hil sim', 'hil sim --meters 13 --dir /tmp/sim'],
    codes: [['0', 'stopped by a signal after a clean shutdown'], ['2', 'usage error, the rig cannot start, or the folder is in use by another sim or run']],
  },
  upgrade: {
    examples: ['hil upgrade meter-1 meter-fw-6.0.1.img --load now', 'hil upgrade all meter-fw-6.0.1.img --group 317 --load 10m'],
    codes: [['0', 'transferred (and loaded, when asked)'], ['1', 'refused or failed'], ['2', 'usage error, not a firmware image, or the rig cannot open'], STOPPED],
  },
  merge: {
    examples: ['hil merge shard-*/events.jsonl --reports reports'],
    codes: [
      ['0', 'every merged test passed'],
      ['1', 'a test failed, a shard never finished, or a shard of the run is missing (its tests are not in the reports)'],
      ['2', 'usage error, a log that cannot be read or whose header or begin event is malformed (file:line and field named), logs that are not the shards of one run (a shard twice, different shard counts or plans), or the reports folder in use'],
      ['4', 'a shard log lost records (a line that does not parse or is not a valid event, a test without a result), or a merged report could not be written: the reports say what is missing'],
    ],
  },
  decode: {
    examples: ['hil decode capture.pcapng', 'hil decode capture.pcap --json | jq .tlvs', "hil decode --hex '58 02 ...'"],
    codes: [['0', 'decoded'], ['1', '--hex: the message does not decode'], ['2', 'usage error, or a file that cannot be read or is not a capture (everything before the damage is printed)']],
  },
  certify: {
    examples: ['hil certify --firmware meter-fw-6.0.1.img', 'hil certify --firmware meter-fw-6.0.1.img --rig rigs/bench-3.yaml --key lab-key.pem --out bundle'],
    codes: [['0', 'certified: every certification test passed'], ['1', 'not certified (a test failed, or the firmware on the devices is not the image)'], USAGE, STOPPED],
  },
  verify: {
    examples: ['hil verify bundle --pub lab-pub.pem', 'hil verify bundle --pub lab-pub.pem --firmware meter-fw-6.0.1.img', 'hil verify bundle --trust-bundle-key      integrity only: who signed is not checked'],
    codes: [
      ['0', "verified: the lab key's signature (--pub) and every file check out; with --trust-bundle-key: intact, signer not pinned"],
      ['1', 'refused: a change (each named), or no --pub: an unverified signer (the key inside a bundle proves nothing about who signed)'],
      ['2', 'usage error, or not a bundle'],
    ],
  },
  monitor: {
    examples: [
      'hil monitor /dev/ttyUSB0                    every packet on the dongle, decoded as it arrives',
      'hil monitor dongle0 --rig rigs/bench-3.yaml --pcap captures --rotate 50M',
      'hil monitor tcp://rack-7:4001 --json        through ser2net, NDJSON',
      'hil monitor udp:[::]:61628                  a UDP port of this host',
    ],
    codes: [['0', 'stopped (Ctrl-C, or --frames reached) after printing the counters'], ['2', 'usage error, the port is in use (its holder named) or cannot be opened, or the capture folder cannot be written']],
  },
  wireshark: {
    examples: ['hil wireshark --out wireshark'],
    codes: [['0', 'written'], ['2', 'usage error, or the folder cannot be written']],
  },
};

const GENERIC: CommandHelp = { examples: [], codes: [['0', 'done'], ['1', 'the command ran and found a problem'], USAGE] };

function render(h: CommandHelp, name: string): string {
  const lines: string[] = [''];
  if (h.examples.length) lines.push('Examples:', ...h.examples.map((e) => `  ${e}`), '');
  const width = Math.max(...h.codes.map(([c]) => c.length));
  lines.push('Exit codes:', ...h.codes.map(([c, what]) => `  ${c.padEnd(width)}  ${what}`));
  if (['run', 'list', 'check', 'request', 'diagnose', 'sim', 'upgrade', 'certify'].includes(name)) {
    lines.push('', 'Defaults: --rig from $HIL_RIG, else hil.config.yaml (rig:), else rigs/virtual.yaml; see the README, Configuration.');
  }
  return `${lines.join('\n')}\n`;
}

/** Adds examples and exit codes to every command of `program`. */
export function addHelpTexts(program: Command): void {
  for (const c of program.commands) c.addHelpText('after', render(COMMAND_HELP[c.name()] ?? GENERIC, c.name()));
}

export const PROGRAM_HELP = `
Examples:
  hil run                      every suite against the virtual rig, reports in reports/
  hil run --list               what would run, with the skip reasons for the rig
  hil check --rig RIG          preflight a real bench
  hil <command> --help         usage, examples and exit codes of a command

Exit codes (every command): 0 success, 1 tests failed / device not ready / problem found,
2 usage error or the harness could not run, 3 rig fault only, 4 results could not be
recorded (hil run), 128+n stopped by signal n (129 also when the parent process went away).

Configuration: $HIL_RIG, $HIL_REPORTS, $HIL_CONFIG or ./hil.config.yaml (rig, suites, reports).
`;
