import { consoleOptionsFromSpec, promptFrom } from '../../../harness/app/console-from-rig.js';
import { renderTemplate, templateVariables } from '../../../drivers/console/template.js';
import { renderTranscript } from '../../../drivers/console/transcript.js';
import type { ConfigErrorCode } from '../../../core/errors.js';
import { expectConfigError } from '../../support/errors.js';

describe('renderTemplate', () => {
  test('variables, choices, literal braces', () => {
    expect(renderTemplate('date set {epoch}', { epoch: 1716840000 })).toBe('date set 1716840000');
    expect(renderTemplate('config demo {on|off}', { args: 'off' })).toBe('config demo off');
    expect(renderTemplate('config demo {on|off}', { args: true })).toBe('config demo on');
    expect(renderTemplate('config demo {on|off}', { args: false })).toBe('config demo off');
    expect(renderTemplate('echo {{raw}} {x}', { x: 'y' })).toBe('echo {raw} y');
    expect(templateVariables('date {a} {b|c} {{d}} {a}')).toEqual(['a', 'args']);
  });

  test('every mistake is a ConfigError naming the template', () => {
    const cases: [string, Record<string, string | boolean>, ConfigErrorCode][] = [
      ['date set {epoch}', { args: '1' }, 'missing'],
      ['demo {on|off}', {}, 'missing'],
      ['demo {on|off}', { args: 'maybe' }, 'value'],
      ['mode {a|b|c}', { args: true }, 'value'],
      ['date set {epoch', { epoch: '1' }, 'syntax'],
      ['x}', {}, 'syntax'],
      ['x {a b}', {}, 'syntax'],
    ];
    for (const [tpl, vars, code] of cases) {
      const e = expectConfigError(() => renderTemplate(tpl, vars, 'rig'), { where: 'rig', code });
      expect(e.reason.startsWith(`template '${tpl}': `)).toBe(true);
    }
  });
});

describe('rig console section', () => {
  test('prompt: literal unless written /…/; errorPattern gets the m flag', () => {
    expect(promptFrom('meter> ')).toBe('meter> ');
    expect(promptFrom('/meter-[0-9a-f]+> /')).toEqual(/meter-[0-9a-f]+> /);
    const o = consoleOptionsFromSpec('meter-1', { path: '/dev/ttyUSB1', baudRate: 9600, prompt: 'meter> ', errorPattern: '^(ERR|Unknown command)', commands: { 'clock-set': 'date set {args}' } });
    expect(o).toEqual({ board: 'meter-1', path: '/dev/ttyUSB1', baudRate: 9600, prompt: 'meter> ', errorPattern: /^(ERR|Unknown command)/m, commands: { 'clock-set': 'date set {args}' } });
    expectConfigError(() => consoleOptionsFromSpec('meter-1', { path: 'p', baudRate: 1, prompt: '/[/', commands: {} }), {
      where: "device 'meter-1': console.prompt",
      code: 'value',
    });
  });
});

describe('renderTranscript', () => {
  test('one line per console line, stamped with its first character, control characters visible', () => {
    const at = Date.UTC(2024, 4, 27, 20, 0, 0);
    expect(
      renderTranscript([
        { at, dir: 'tx', text: 'date\r\n' },
        { at: at + 5, dir: 'rx', text: '17168' },
        { at: at + 6, dir: 'rx', text: '40000\r\n\u0007bell\r\nmeter> ' },
      ]),
    ).toBe('2024-05-27T20:00:00.000Z > date\n2024-05-27T20:00:00.005Z < 1716840000\n2024-05-27T20:00:00.006Z < \\x07bell\n2024-05-27T20:00:00.006Z < meter> \n');
    expect(renderTranscript([])).toBe('');
  });
});
