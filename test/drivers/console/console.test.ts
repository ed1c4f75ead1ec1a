import { Console } from '../../../drivers/console/console.js';
import { ConsoleCommandError, ConsoleTimeoutError } from '../../../drivers/console/errors.js';
import { renderTranscript } from '../../../drivers/console/transcript.js';
import { expectConfigRejection, expectErrorLike, expectResourceRejection } from '../../support/errors.js';
import { MemoryBoardLine } from './memory-line.js';

const PROMPT = 'meter> ';

async function open(extra: Partial<Parameters<typeof Console.open>[0]> = {}) {
  const board = new MemoryBoardLine();
  let t = Date.UTC(2024, 4, 27, 20, 0, 0);
  const c = await Console.open({ board: 'meter-1', path: 'mem', prompt: PROMPT, connector: board.connector, now: () => t++, ...extra });
  return { board, c };
}

describe('Console (in-memory line)', () => {
  test('returns the output between the command and the prompt, across a multi-byte character split between chunks', async () => {
    const { board, c } = await open();
    board.onWrite = () => {
      const bytes = Buffer.from('temp 21.5 °C\r\nmeter> ');
      const cut = bytes.indexOf(0xb0); // inside the two-byte '°'
      board.send(bytes.subarray(0, cut));
      board.send(bytes.subarray(cut));
    };
    const r = await c.run('sensor');
    expect(r.output).toBe('temp 21.5 °C');
    expect(board.written).toEqual(['sensor\r\n']);
    await c.close();
  });

  test('an error line fails the command with ConsoleCommandError naming board and command and quoting the output', async () => {
    const { board, c } = await open();
    board.onWrite = () => board.send("Error: unknown command 'frob'\r\nmeter> ");
    const err = await c.run('frob').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConsoleCommandError);
    const e = err as ConsoleCommandError;
    expect([e.code, e.board, e.command, e.output, e.errorLine]).toEqual(['command-failed', 'meter-1', 'frob', "Error: unknown command 'frob'", "Error: unknown command 'frob'"]);
    expect(e.message).toBe(`console meter-1: 'frob' failed: "Error: unknown command 'frob'" (output: "Error: unknown command 'frob'")`);
    await c.close();
  });

  test('no prompt in time → ConsoleTimeoutError with what was seen; the next command still works', async () => {
    const { board, c } = await open();
    board.onWrite = (t) => {
      if (t === 'slow\r\n') board.send('working...');
    };
    const err = await c.run('slow', { timeoutMs: 50 }).catch((e: unknown) => e);
    expectErrorLike(err, ConsoleTimeoutError, { code: 'timeout', board: 'meter-1', command: 'slow', timeoutMs: 50, seen: 'working...' });
    expect((err as ConsoleTimeoutError).message).toBe(`console meter-1: 'slow' got no prompt "meter> " within 50 ms; seen: "working..."`);
    board.onWrite = () => board.send('ok\r\nmeter> ');
    expect((await c.run('fast')).output).toBe('ok');
    await c.close();
  });

  test('expect waits for a pattern instead of the prompt; waitFor sends nothing', async () => {
    const { board, c } = await open();
    board.onWrite = () => board.send('rebooting\r\n');
    expect((await c.run('reboot', { expect: /rebooting\r?\n/ })).output).toBe('rebooting');
    const booted = c.waitFor(/booting/, { timeoutMs: 1000 });
    board.send('\r\nmeter-1 booting\r\nmeter> ');
    expect((await booted).output).toBe('meter-1 booting');
    expect(board.written).toEqual(['reboot\r\n']);
    await c.close();
  });

  test('commands run one at a time in call order', async () => {
    const { board, c } = await open();
    const answers = new Map([
      ['a\r\n', 'A\r\nmeter> '],
      ['b\r\n', 'B\r\nmeter> '],
    ]);
    // Answer asynchronously so both runs are queued before the first answer.
    board.onWrite = (t) => setImmediate(() => board.send(answers.get(t)!));
    const [a, b] = await Promise.all([c.run('a'), c.run('b')]);
    expect([a.output, b.output]).toEqual(['A', 'B']);
    expect(board.written).toEqual(['a\r\n', 'b\r\n']);
    await c.close();
  });

  test('echo stripping, custom line ending, regex prompt from a template', async () => {
    const { board, c } = await open({ echo: true, lineEnding: '\r', prompt: /meter-\d+# /, commands: { 'clock-set': 'date set {epoch}', 'demo-mode': 'config demo {on|off}' } });
    board.onWrite = (t) => board.send(`${t.trim()}\r\ndone\r\nmeter-7# `);
    expect((await c.runCapability('clock-set', { epoch: 1716840000 })).output).toBe('done');
    expect((await c.runCapability('demo-mode', { args: true })).output).toBe('done');
    expect(board.written).toEqual(['date set 1716840000\r', 'config demo on\r']);
    await expectConfigRejection(c.runCapability('clock-set', {}), { where: "device 'meter-1': console.commands.clock-set", code: 'missing' });
    const none = await expectConfigRejection(c.runCapability('cert-swap'), { where: "device 'meter-1': console.commands", code: 'reference' });
    expect(none.reason).toBe("no command template for capability 'cert-swap' (have: clock-set, demo-mode)");
    await c.close();
  });

  test('transcript records both directions with timestamps and renders as text', async () => {
    const { board, c } = await open();
    board.onWrite = () => {
      board.send('1716840000\r\n');
      board.send('meter> ');
    };
    await c.run('date');
    expect(c.transcript()).toEqual([
      { at: Date.UTC(2024, 4, 27, 20, 0, 0), dir: 'tx', text: 'date\r\n' },
      { at: Date.UTC(2024, 4, 27, 20, 0, 0) + 1, dir: 'rx', text: '1716840000\r\n' },
      { at: Date.UTC(2024, 4, 27, 20, 0, 0) + 2, dir: 'rx', text: 'meter> ' },
    ]);
    expect(renderTranscript(c.transcript())).toBe(
      '2024-05-27T20:00:00.000Z > date\n' + '2024-05-27T20:00:00.001Z < 1716840000\n' + '2024-05-27T20:00:00.002Z < meter> \n',
    );
    await c.close();
  });

  test('output and transcript are capped and the drops counted', async () => {
    const { board, c } = await open({ maxOutputChars: 600, maxTranscriptChars: 1000 });
    board.onWrite = () => {
      for (let i = 0; i < 20; i++) board.send(`${String(i).padStart(99, '.')}\n`);
      board.send('meter> ');
    };
    const lines = Array.from({ length: 20 }, (_, i) => `${String(i).padStart(99, '.')}\n`).join('');
    const r = await c.run('dump');
    // 600 characters kept, the 7 of the prompt among them.
    expect(r.output).toBe(lines.slice(-593).trimEnd());
    expect(c.drops.get('console output over buffer cap')).toBe(2000 + 7 - 600);
    // Whole entries go, oldest first: the command (6) and 11 lines leave 9 lines and the prompt.
    expect(c.transcript().map((e) => e.text.length)).toEqual([...Array(9).fill(100), 7]);
    expect(c.drops.get('transcript over cap')).toBe(6 + 1100);
    await c.close();
  });

  test('close during a command rejects it; a lost line rejects and leaves the console lost; both name the board', async () => {
    const { c } = await open();
    const running = c.run('hang', { timeoutMs: 10_000 });
    await c.close();
    await expectResourceRejection(running, { resource: 'console meter-1', code: 'state' });
    await expectResourceRejection(c.run('date'), { resource: 'console meter-1', code: 'state', reason: "run('date') called while the console is closed" });
    await c.close();

    const second = await open();
    const pending = second.c.run('date', { timeoutMs: 10_000 });
    second.board.handlers!.lost(new Error('device disconnected'));
    const lost = await expectResourceRejection(pending, { resource: 'console meter-1', code: 'lost' });
    expect(lost.reason).toContain('device disconnected');
    await expectResourceRejection(second.c.run('date'), { resource: 'console meter-1', code: 'lost' });
    await second.c.close();
  });

  test('bad options fail at construction', async () => {
    const board = new MemoryBoardLine();
    await expect(Console.open({ board: 'm', path: 'x', prompt: '', connector: board.connector })).rejects.toThrow('"prompt" must be a non-empty string');
    await expect(Console.open({ board: 'm', path: 'x', prompt: /\s*/, connector: board.connector })).rejects.toThrow('matches the empty string');
    await expect(Console.open({ board: 'm', path: 'x', prompt: '>', defaultTimeoutMs: 0, connector: board.connector })).rejects.toThrow('"defaultTimeoutMs" must be a positive number');
    const { c } = await open();
    await expect(c.run('two\nlines')).rejects.toThrow('a command is one line');
    await c.close();
  });
});
