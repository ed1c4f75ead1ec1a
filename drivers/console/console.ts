/**
 * A meter board's serial console: send a line, wait for the prompt (or an expected pattern),
 * return what the board printed in between. Every wait is bounded; a board that never answers
 * costs one timeout, reported with what it did say.
 *
 *   const c = await Console.open({ board: 'meter-1', path: '/dev/ttyUSB1', prompt: 'meter> ' });
 *   const { output } = await c.run('date', { timeoutMs: 2000 });
 *   await c.runCapability('clock-set', { epoch: 1716840000 });
 *   c.transcript(); renderTranscript(c.transcript());
 *   await c.close();
 *
 * Output is what came after the command was written and before the prompt, with CR LF turned
 * into LF and the line ends around it trimmed. Commands run one at a time in call order.
 * Bytes that arrive while no command runs (boot messages, a stray prompt) go to the transcript
 * only. Bytes still in flight when a command is written cannot be told from its answer (no
 * console protocol says which prompt answers which line): after anything that makes the board
 * talk on its own — power on, reboot — arm waitFor() for its prompt before the action and await
 * it before the next command.
 */
import { ConfigError, ResourceError } from '../../core/errors.js';
import { DropCounter } from '../../core/drop-counter.js';
import { ConsoleCommandError, ConsoleTimeoutError } from './errors.js';
import { openConsoleLine, type ConsoleConnector, type ConsoleLine } from './line.js';
import { DEFAULT_MAX_BUFFER, DEFAULT_MAX_MATCH_LENGTH, StreamMatcher } from './prompt-matcher.js';
import { renderTemplate, type TemplateVars } from './template.js';
import { DEFAULT_TRANSCRIPT_CHARS, Transcript, renderTranscript, type TranscriptEntry } from './transcript.js';

export const DEFAULT_ERROR_PATTERN = /^(ERR|Error|Unknown command)/m;
export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;

export interface ConsoleOptions {
  /** Device name, used in every error and log line. */
  board: string;
  /** Local serial path or 'tcp://host:port'. */
  path: string;
  baudRate?: number;
  /** A literal prompt, or a regular expression for prompts that vary (hostname, mode). */
  prompt: string | RegExp;
  /** Board output matching this fails the command. Default DEFAULT_ERROR_PATTERN. */
  errorPattern?: RegExp;
  /** Appended to each command. Default CR LF. */
  lineEnding?: string;
  /** The board echoes what it receives: drop the echoed command from the output. */
  echo?: boolean;
  /** Capability → command template (rig file `console.commands`). */
  commands?: Readonly<Record<string, string>>;
  defaultTimeoutMs?: number;
  openTimeoutMs?: number;
  /** Characters of output kept per command. */
  maxOutputChars?: number;
  maxTranscriptChars?: number;
  /** Longest text a regular-expression prompt can match (see StreamMatcher). */
  maxPromptLength?: number;
  connector?: ConsoleConnector;
  /** Wall clock for transcript stamps. */
  now?: () => number;
}

export interface RunOptions {
  /** Wait for this instead of the prompt; the output then runs up to the end of its match. */
  expect?: string | RegExp;
  timeoutMs?: number;
}

export interface RunResult {
  output: string;
  durationMs: number;
}

type State = 'opening' | 'open' | 'lost' | 'closed';

interface Pending {
  command: string;
  matcher: StreamMatcher;
  waitedFor: string;
  expect: boolean;
  started: number;
  settle(err: Error | undefined, result?: RunResult): void;
}

export class Console {
  readonly board: string;
  /** What was dropped (console output over the cap, transcript over the cap, bytes while closed). */
  readonly drops = new DropCounter();
  private state: State = 'opening';
  private line: ConsoleLine | undefined;
  private lostReason: Error | undefined;
  private pending: Pending | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private readonly decoder = new TextDecoder('utf-8');
  private readonly log: Transcript;
  private readonly opts: Required<Omit<ConsoleOptions, 'commands' | 'connector' | 'now' | 'baudRate' | 'path' | 'board'>> & {
    commands: Readonly<Record<string, string>>;
  };

  private constructor(o: ConsoleOptions) {
    if (!o.board) throw new TypeError('"board" must name the device');
    if (!o.path) throw new TypeError(`console ${o.board}: "path" is required`);
    if (typeof o.prompt === 'string' ? o.prompt.length === 0 : !(o.prompt instanceof RegExp)) {
      throw new TypeError(`console ${o.board}: "prompt" must be a non-empty string or a RegExp`);
    }
    this.board = o.board;
    this.opts = {
      prompt: o.prompt,
      errorPattern: o.errorPattern ?? DEFAULT_ERROR_PATTERN,
      lineEnding: o.lineEnding ?? '\r\n',
      echo: o.echo ?? false,
      commands: o.commands ?? {},
      defaultTimeoutMs: positive(o.defaultTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS, 'defaultTimeoutMs', o.board),
      openTimeoutMs: positive(o.openTimeoutMs ?? 5000, 'openTimeoutMs', o.board),
      maxOutputChars: o.maxOutputChars ?? DEFAULT_MAX_BUFFER,
      maxTranscriptChars: o.maxTranscriptChars ?? DEFAULT_TRANSCRIPT_CHARS,
      maxPromptLength: o.maxPromptLength ?? DEFAULT_MAX_MATCH_LENGTH,
    };
    this.log = new Transcript(this.opts.maxTranscriptChars, this.drops, o.now ?? Date.now);
    // Constructing a matcher checks the prompt (empty-string regexes) and the caps now, not at the first command.
    this.matcherFor(this.opts.prompt);
  }

  static async open(o: ConsoleOptions): Promise<Console> {
    const c = new Console(o);
    const connector = o.connector ?? openConsoleLine;
    c.line = await connector(o.path, o.baudRate ?? 115200, { data: (b) => c.onData(b), lost: (e) => c.onLost(e) }, c.opts.openTimeoutMs);
    // A line lost while opening leaves the console 'lost'.
    if (c.state === 'opening') c.state = 'open';
    return c;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Sends `command` and waits for the prompt or `opts.expect`. */
  async run(command: string, opts: RunOptions = {}): Promise<RunResult> {
    this.requireOpen(`run('${command}')`);
    if (/[\r\n]/.test(command)) throw new TypeError(`console ${this.board}: a command is one line, got ${JSON.stringify(command)}`);
    const timeoutMs = positive(opts.timeoutMs ?? this.opts.defaultTimeoutMs, 'timeoutMs', this.board);
    const pattern = opts.expect ?? this.opts.prompt;
    const matcher = this.matcherFor(pattern);
    return this.enqueue(() => this.runNow(command, matcher, opts.expect !== undefined, describePattern(pattern, opts.expect !== undefined), timeoutMs));
  }

  /**
   * Waits for `pattern` (default: the prompt) without sending anything — for a boot banner after
   * a power cycle. Call it before the action that makes the board talk, and await it after:
   * what arrived before the call is not matched, and neither is text that came after an earlier
   * match, so wait for the last thing the board says (its prompt), not for each line in turn.
   */
  async waitFor(pattern?: string | RegExp, opts: { timeoutMs?: number } = {}): Promise<RunResult> {
    const p = pattern ?? this.opts.prompt;
    const label = `(wait for ${typeof p === 'string' ? JSON.stringify(p) : String(p)})`;
    this.requireOpen(label);
    const timeoutMs = positive(opts.timeoutMs ?? this.opts.defaultTimeoutMs, 'timeoutMs', this.board);
    const matcher = this.matcherFor(p);
    return this.enqueue(() => this.runNow(label, matcher, true, describePattern(p, pattern !== undefined), timeoutMs, false));
  }

  /** Renders the rig's template for `capability` with `vars` and runs it. */
  async runCapability(capability: string, vars: TemplateVars = {}, opts: RunOptions = {}): Promise<RunResult> {
    const template = this.opts.commands[capability];
    if (template === undefined) {
      const known = Object.keys(this.opts.commands);
      throw new ConfigError(
        `device '${this.board}': console.commands`,
        'reference',
        `no command template for capability '${capability}' (have: ${known.length ? known.join(', ') : 'none'})`,
      );
    }
    return this.run(renderTemplate(template, vars, `device '${this.board}': console.commands.${capability}`), opts);
  }

  transcript(): TranscriptEntry[] {
    return this.log.list();
  }

  /** The transcript as text for console logs in reports. */
  transcriptText(): string {
    return renderTranscript(this.log.list());
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.pending?.settle(new ResourceError(`console ${this.board}`, 'state', `closed while '${this.pending.command}' was running`));
    const line = this.line;
    this.line = undefined;
    await line?.close();
  }

  /**
   * Runs `task` after the ones before it. With nothing queued it starts at once, synchronously,
   * so a waitFor() armed just before an action cannot miss what the action makes the board say.
   */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const start = () => {
      try {
        return task();
      } catch (e) {
        return Promise.reject(e);
      }
    };
    const result = this.queued === 0 ? start() : this.tail.then(start, start);
    this.queued++;
    const settled = result.then(
      () => void this.queued--,
      () => void this.queued--,
    );
    this.tail = settled;
    return result;
  }

  private runNow(command: string, matcher: StreamMatcher, expect: boolean, waitedFor: string, timeoutMs: number, send = true): Promise<RunResult> {
    // The state may have changed while this command waited its turn.
    this.requireOpen(`run('${command}')`);
    const line = this.line!;
    return new Promise<RunResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        p.settle(new ConsoleTimeoutError(this.board, command, waitedFor, timeoutMs, matcher.buffered));
      }, timeoutMs);
      const p: Pending = {
        command,
        matcher,
        waitedFor,
        expect,
        started: performance.now(),
        settle: (err, result) => {
          if (this.pending !== p) return;
          this.pending = undefined;
          clearTimeout(timer);
          if (err) reject(err);
          else resolve(result!);
        },
      };
      this.pending = p;
      if (!send) return;
      const text = command + this.opts.lineEnding;
      this.log.add('tx', text);
      line.write(new TextEncoder().encode(text)).catch((e: unknown) => {
        p.settle(e instanceof Error ? e : new ResourceError(`console ${this.board}`, 'io', String(e)));
      });
    });
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') {
      this.drops.count('bytes after close', chunk.length);
      return;
    }
    const text = this.decoder.decode(chunk, { stream: true });
    this.log.add('rx', text);
    const p = this.pending;
    if (!p || !p.matcher.push(text)) return;
    const raw = p.expect ? p.matcher.buffered : p.matcher.textBefore();
    const output = this.cleanOutput(raw, p.command);
    const errorLine = firstMatchingLine(output, this.opts.errorPattern);
    if (errorLine !== undefined) p.settle(new ConsoleCommandError(this.board, p.command, output, errorLine));
    else p.settle(undefined, { output, durationMs: Math.round((performance.now() - p.started) * 1000) / 1000 });
  }

  private onLost(err: Error): void {
    if (this.state === 'closed') return;
    this.state = 'lost';
    this.lostReason = err;
    this.pending?.settle(new ResourceError(`console ${this.board}`, 'lost', `console lost while '${this.pending.command}' was running: ${err.message}`, { cause: err }));
  }

  private cleanOutput(raw: string, command: string): string {
    let out = raw.replace(/\r\n/g, '\n');
    if (this.opts.echo) {
      const nl = out.indexOf('\n');
      const first = (nl < 0 ? out : out.slice(0, nl)).replace(/\r$/, '');
      if (first === command) out = nl < 0 ? '' : out.slice(nl + 1);
    }
    return out.replace(/^\n+/, '').replace(/[\r\n]+$/, '');
  }

  private matcherFor(pattern: string | RegExp): StreamMatcher {
    return new StreamMatcher(pattern, { maxBuffer: this.opts.maxOutputChars, maxMatchLength: this.opts.maxPromptLength, drops: this.drops });
  }

  private requireOpen(what: string): void {
    if (this.state === 'open') return;
    const why = this.state === 'lost' && this.lostReason ? ` (${this.lostReason.message})` : '';
    throw new ResourceError(`console ${this.board}`, this.state === 'lost' ? 'lost' : 'state', `${what} called while the console is ${this.state}${why}`);
  }
}

function positive(v: number, name: string, board: string): number {
  if (!Number.isFinite(v) || v <= 0) throw new TypeError(`console ${board}: "${name}" must be a positive number of ms, got ${v}`);
  return v;
}

function describePattern(p: string | RegExp, expect: boolean): string {
  const shown = typeof p === 'string' ? JSON.stringify(p) : String(p);
  return expect ? `match for ${shown}` : `prompt ${shown}`;
}

function firstMatchingLine(output: string, re: RegExp): string | undefined {
  const probe = new RegExp(re.source, re.flags.replace(/[gy]/g, ''));
  const m = probe.exec(output);
  if (!m) return undefined;
  const start = output.lastIndexOf('\n', m.index) + 1;
  const end = output.indexOf('\n', m.index + m[0].length);
  return output.slice(start, end < 0 ? undefined : end);
}
