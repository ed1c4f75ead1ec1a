/**
 * Console command templates from the rig file, one per capability and board model:
 *
 *   clock-set: 'date set {epoch}'     → {epoch} is the variable `epoch`
 *   demo-mode: 'config demo {on|off}' → a choice: the variable `args` must be one of the listed
 *                                       words; a boolean `args` picks the first (true) or the
 *                                       second (false)
 *   cert-swap: 'cert install {{raw}}' → `{{` and `}}` are literal braces
 *
 * `args` is what the rig schema calls the step arguments (`console: set-clock +2h`). A missing
 * variable or a value outside a choice is a ConfigError naming the template, so a lab sees which
 * rig entry to fix before anything is sent to a board.
 */
import { ConfigError, type ConfigErrorCode } from '../../core/errors.js';

export type TemplateValue = string | number | boolean | bigint;
export type TemplateVars = Readonly<Record<string, TemplateValue | undefined>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

type Fail = (code: ConfigErrorCode, reason: string) => ConfigError;

export function renderTemplate(template: string, vars: TemplateVars, where = 'console command template'): string {
  let out = '';
  let i = 0;
  const fail: Fail = (code, reason) => new ConfigError(where, code, `template '${template}': ${reason}`);
  while (i < template.length) {
    const c = template[i]!;
    if ((c === '{' || c === '}') && template[i + 1] === c) {
      out += c;
      i += 2;
      continue;
    }
    if (c === '}') throw fail('syntax', `unmatched '}' at character ${i}`);
    if (c !== '{') {
      out += c;
      i++;
      continue;
    }
    const close = template.indexOf('}', i + 1);
    if (close < 0) throw fail('syntax', `unclosed '{' at character ${i}`);
    const body = template.slice(i + 1, close);
    out += body.includes('|') ? choice(body, vars, fail) : variable(body, vars, fail);
    i = close + 1;
  }
  return out;
}

/** Variable names a template uses (choices count as `args`), for validating a rig file up front. */
export function templateVariables(template: string): string[] {
  const names = new Set<string>();
  for (const m of template.replace(/\{\{|\}\}/g, '').matchAll(/\{([^}]*)\}/g)) names.add(m[1]!.includes('|') ? 'args' : m[1]!);
  return [...names];
}

function variable(name: string, vars: TemplateVars, fail: Fail): string {
  if (!NAME.test(name)) throw fail('syntax', `'{${name}}' is not a variable name`);
  const v = vars[name];
  if (v === undefined) throw fail('missing', `needs variable '${name}' (given: ${given(vars)})`);
  return String(v);
}

function choice(body: string, vars: TemplateVars, fail: Fail): string {
  const options = body.split('|');
  if (options.some((o) => o.length === 0)) throw fail('syntax', `'{${body}}' has an empty choice`);
  const v = vars['args'];
  if (v === undefined) throw fail('missing', `choice '{${body}}' needs variable 'args' (given: ${given(vars)})`);
  if (typeof v === 'boolean') {
    if (options.length !== 2) throw fail('value', `a true/false value needs a choice of exactly two words, not '{${body}}'`);
    return v ? options[0]! : options[1]!;
  }
  const s = String(v);
  if (!options.includes(s)) throw fail('value', `'${s}' is not one of ${options.map((o) => `'${o}'`).join(', ')}`);
  return s;
}

function given(vars: TemplateVars): string {
  const names = Object.keys(vars).filter((k) => vars[k] !== undefined);
  return names.length ? names.join(', ') : 'none';
}
