import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { systemReason } from '../../core/atomic-write.js';
import { SyncFileStream } from './sync-file-stream.js';
import type { Writable } from 'node:stream';
import { ConfigError } from '../../core/errors.js';
import { EventLogReporter } from './event-log.js';
import { readTrend } from '../history/trend.js';
import { HistoryReporter } from './history.js';
import { HtmlReporter } from './html/reporter.js';
import { JUnitReporter, type AttachmentBase } from './junit.js';
import { PcapReporter } from './pcap.js';
import { ProgressReporter, type ReportFile } from './progress.js';
import type { Reporter } from '../model/reporter.js';
import { TapReporter } from './tap.js';
import { colourWanted, type ColourEnvironment } from './terminal.js';

/** `-` as a stream reporter's file: standard output. */
export const STDOUT = '-';

export type ReporterSpec =
  | { kind: 'junit'; outputFile: string }
  | { kind: 'html'; outputFile: string }
  | { kind: 'events'; outputFile: string }
  | { kind: 'pcap'; dir: string }
  | { kind: 'tap'; outputFile?: string }
  | { kind: 'progress' };

type FileKind = 'junit' | 'html' | 'events';

/** Each file reporter's file, and the pcap writer's folder, in the reports folder when no `=file` names another. */
export const DEFAULT_FILE: Record<FileKind, string> = {
  junit: 'junit.xml',
  html: 'report.html',
  events: 'events.jsonl',
};
export const DEFAULT_ATTACHMENTS = 'attachments';

const KNOWN = 'junit[=file], html[=file], events[=file|-], pcap[=dir], tap[=file|-], progress';

/**
 * "junit=reports/a.xml,tap,progress" → specs; the CLI's --reporter value. A reporter without `=file`
 * writes its default file inside `reportsDir` (the run's locked folder); `kind=` with nothing after
 * it is refused rather than read as "the default somewhere".
 */
export function parseReporterList(text: string, reportsDir = 'reports'): ReporterSpec[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item): ReporterSpec => {
      const [kind, file] = item.split('=', 2) as [string, string | undefined];
      if (file !== undefined && file.trim() === '' && (kind === 'junit' || kind === 'events' || kind === 'html' || kind === 'pcap' || kind === 'tap')) {
        const usual = kind === 'tap' ? 'standard output' : `${kind === 'pcap' ? DEFAULT_ATTACHMENTS : DEFAULT_FILE[kind]} in the reports folder`;
        throw new ConfigError('--reporter', 'value', `'${item}' names no ${kind === 'pcap' ? 'folder' : 'file'} after '='; write ${kind}=${kind === 'pcap' ? 'DIR' : 'FILE'}, or ${kind} alone for ${usual}`);
      }
      // JUnit is rewritten whole after every test: it needs a file, a stream cannot be rewritten.
      if (kind === 'junit' && file === STDOUT) throw new ConfigError('--reporter', 'value', "junit is rewritten after every test and needs a file; use tap or events=- for standard output");
      if (kind === 'html' && file === STDOUT) throw new ConfigError('--reporter', 'value', 'html is rewritten as the run goes and needs a file');
      if (kind === 'junit' || kind === 'events' || kind === 'html') return { kind, outputFile: file ?? join(reportsDir, DEFAULT_FILE[kind]) };
      if (kind === 'pcap') return { kind, dir: file ?? join(reportsDir, DEFAULT_ATTACHMENTS) };
      if (kind === 'tap') return file !== undefined ? { kind, outputFile: file } : { kind };
      if (kind === 'progress' && file === undefined) return { kind };
      throw new ConfigError('--reporter', 'value', `'${item}' is not one of ${KNOWN}`);
    });
}

/**
 * Whether every reporter's file (and the pcap writer's folder) can be written, checked before the
 * run touches its reports folder and creating nothing: a folder where a file is named, a file where
 * a folder is, a path under a file or in a folder that cannot be written is a ConfigError naming
 * `--reporter KIND=PATH` (or `--reports DIR` for the reports folder itself, when given).
 */
export function checkReporterOutputs(specs: readonly ReporterSpec[], reportsDir?: string): void {
  // The folder the defaults go in first: a --reports that is a file is that option's fault.
  if (reportsDir !== undefined) checkOutput(reportsDir, 'folder', `--reports ${reportsDir}`);
  for (const s of specs) {
    if (s.kind === 'pcap') checkOutput(s.dir, 'folder', `--reporter pcap=${s.dir}`);
    else if ((s.kind === 'junit' || s.kind === 'html' || s.kind === 'events' || s.kind === 'tap') && s.outputFile !== undefined && s.outputFile !== STDOUT)
      checkOutput(s.outputFile, 'file', `--reporter ${s.kind}=${s.outputFile}`);
  }
}

function checkOutput(path: string, want: 'file' | 'folder', where: string): void {
  const found = statOf(path, where);
  if (found) {
    if (want === 'file' && found.isDirectory()) throw new ConfigError(where, 'file', `${path} is a folder; name a file`);
    if (want === 'folder' && !found.isDirectory()) throw new ConfigError(where, 'file', `${path} is a file; name a folder`);
    writable(path, path, where);
    return;
  }
  // Not there yet: the nearest existing folder above it must be a folder this process can write.
  let up = dirname(resolve(path));
  for (;;) {
    const st = statOf(up, where);
    if (st) {
      if (!st.isDirectory()) throw new ConfigError(where, 'file', `cannot create ${path}: ${up} is a file, not a folder`);
      writable(up, path, where);
      return;
    }
    if (dirname(up) === up) return;
    up = dirname(up);
  }
}

function statOf(path: string, where: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new ConfigError(where, 'file', `cannot use ${path}: ${systemReason(e)}`);
  }
}

function writable(path: string, target: string, where: string): void {
  try {
    accessSync(path, constants.W_OK);
  } catch (e) {
    throw new ConfigError(where, 'file', `cannot write ${target}${path === target ? '' : ` in ${path}`}: ${systemReason(e)}`);
  }
}

/** Whether a reporter writes to standard output (machine output; progress stays on stderr). */
export function writesStdout(s: ReporterSpec): boolean {
  return (s.kind === 'tap' && (s.outputFile === undefined || s.outputFile === STDOUT)) || (s.kind === 'events' && s.outputFile === STDOUT);
}

export interface ReporterEnvironment {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  /** NO_COLOR / FORCE_COLOR / TERM; default process.env. */
  env?: ColourEnvironment;
  /** Where a reporter's set-up says what it left out (history files and lines it skipped); default stderr. */
  warn?: (line: string) => void;
}

/** Settings that concern several reporters, decided here once. */
export interface ReportSettings {
  /** JUnit attachment paths relative to the JUnit file (default) or to the project root. */
  attachmentPaths?: AttachmentBase;
  /** The project root for 'project' paths; default the working directory. */
  projectRoot?: string;
  /** The history store (harness/history/format.ts): earlier runs feed the HTML trend, this run is appended to it. */
  historyDir?: string;
  /** The CI job running this run, recorded in the history (read from the CI's environment by the caller). */
  ciJobUrl?: string;
  /** Further files the closing block names (a certification bundle). */
  extraReports?: readonly ReportFile[];
}

const LABEL: Record<FileKind, string> = { junit: 'JUnit', html: 'HTML', events: 'events' };

/**
 * Every reporter option is decided here, once; reporters read no environment of their own. One
 * stream each: progress is for people and always on stderr; stdout carries machine output (TAP, the
 * event stream with `events=-`). When nothing would show a person what is happening, progress is
 * added, first, so a reporter stuck in onEnd cannot hide the result. File writers that others link
 * to (pcap) come before the reports that name them, and JUnit comes after every other.
 */
export function createReporters(
  specs: readonly ReporterSpec[],
  env: ReporterEnvironment = { stdout: process.stdout, stderr: process.stderr },
  settings: ReportSettings = {},
): Reporter[] {
  const vars = env.env ?? process.env;
  const files: ReportFile[] = [
    ...specs.flatMap((s) => (s.kind === 'junit' || s.kind === 'html' || (s.kind === 'events' && s.outputFile !== STDOUT) ? [{ label: LABEL[s.kind], path: s.outputFile }] : [])),
    ...(settings.extraReports ?? []),
  ];
  const progress = (stream: ReporterEnvironment['stdout']): ProgressReporter =>
    new ProgressReporter({ stream, colour: colourWanted(stream, vars), reports: files });
  const reporters: Reporter[] = [];
  if (!specs.some((s) => s.kind === 'tap' || s.kind === 'progress')) reporters.push(progress(env.stderr));
  for (const s of specs) if (s.kind === 'pcap') reporters.push(new PcapReporter({ dir: s.dir }));
  const warn = env.warn ?? ((line: string): void => void env.stderr.write(`${line}\n`));
  const history = settings.historyDir !== undefined ? readTrend(settings.historyDir, undefined, warn) : [];
  for (const s of specs) {
    switch (s.kind) {
      case 'junit':
        reporters.push(
          new JUnitReporter({
            outputFile: s.outputFile,
            ...(settings.attachmentPaths ? { attachmentPaths: settings.attachmentPaths } : {}),
            ...(settings.projectRoot !== undefined ? { projectRoot: settings.projectRoot } : {}),
          }),
        );
        break;
      case 'html':
        reporters.push(new HtmlReporter({ outputFile: s.outputFile, history }));
        break;
      case 'events':
        reporters.push(new EventLogReporter({ outputFile: s.outputFile, ...(s.outputFile === STDOUT ? { stream: env.stdout } : {}) }));
        break;
      case 'tap':
        reporters.push(new TapReporter({ stream: writesStdout(s) ? env.stdout : fileStream(s.outputFile!), exits: process }));
        break;
      case 'progress':
        reporters.push(progress(env.stderr));
        break;
      case 'pcap':
        break;
    }
  }
  if (settings.historyDir !== undefined) reporters.push(new HistoryReporter({ dir: settings.historyDir, ...(settings.ciJobUrl ? { ciJobUrl: settings.ciJobUrl } : {}) }));
  // JUnit last: it is what CI trusts, so when its final version exists every other report it
  // sits beside, and every attachment it names, has been written.
  return [...reporters.filter((r) => r.name !== 'junit'), ...reporters.filter((r) => r.name === 'junit')];
}

/** A `tap=FILE` stream; a file that cannot be opened is a ConfigError naming the option. */
function fileStream(path: string): SyncFileStream {
  try {
    mkdirSync(dirname(path), { recursive: true });
    return new SyncFileStream(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(`--reporter tap=${path}`, 'file', code === 'EISDIR' ? `${path} is a folder; name a file` : `cannot open ${path}: ${systemReason(e)}`);
  }
}
