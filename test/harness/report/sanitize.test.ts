import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { JUnitReporter } from '../../../harness/report/junit.js';
import { lineSafe, xmlSafe } from '../../../harness/report/sanitize.js';
import { Run } from '../../../harness/runner/run.js';
import { FakeExecutor } from '../runner/support/fake-executor.js';
import { fakeRig, suite } from '../runner/support/fixtures.js';
import { validateJUnit } from './support/xmllint.js';

const XML_CHARS = /^[\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
// Strings biased towards what breaks XML: C0 controls, DEL, lone surrogates, CDATA terminators, markup.
const hostile = fc.array(
  fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.constantFrom('\u0000', '\u0007', '\u001b[31m', '\u007f', '\uD800', '\uDFFF', '\uFFFE', ']]>', '<script>', '&amp;', '"', "'"),
  ),
  { maxLength: 8 },
).map((parts) => parts.join(''));

test('xmlSafe leaves only XML 1.0 characters and keeps the rest of the text', () => {
  fc.assert(
    fc.property(hostile, (text) => {
      const safe = xmlSafe(text);
      expect(safe).toMatch(XML_CHARS);
      if (XML_CHARS.test(text) && !text.includes('\u001b')) expect(safe).toBe(text);
    }),
    { seed: 42, numRuns: 2000 },
  );
  expect(xmlSafe('a\u0007b\u0000c\uD800d\u001b[1;31me')).toBe('a\\x07b\\x00c\\u{d800}de');
});

test('lineSafe gives one printable line', () => {
  expect(lineSafe('a\nb\r\nc\u0007\u001b[0md\te')).toBe('a b c\\x07d\\x09e');
});

test('random hostile device strings in every field still give a schema-valid JUnit file', async () => {
  const samples = fc.sample(hostile, { seed: 7, numRuns: 60 });
  const dir = mkdtempSync(join(tmpdir(), 'hil-fuzz-'));
  try {
    const file = join(dir, 'junit.xml');
    const tests = samples.map((_, i) => `  - { name: t${i}, steps: [ { get: ${i + 1} } ] }`);
    const executor = new FakeExecutor();
    samples.forEach((text, i) =>
      executor.when(`get: ${i + 1}`, async (_s, ctx) => {
        ctx.log(text);
        ctx.attach({ name: text, path: `/tmp/${text}`, contentType: 'text/plain' });
        if (i % 3 === 0) throw new Error(text);
        return i % 3 === 1 ? { status: 'failed', message: text, expected: text, seen: text, likelyCause: text, fix: text } : { status: 'passed' };
      }),
    );
    await new Run({ rig: fakeRig([{ name: 'm' }]), suites: [suite('fuzz', 'tests:', ...tests)], executor, reporter: new JUnitReporter({ outputFile: file }) }).start();
    expect(await validateJUnit(file)).toEqual({ exitCode: 0, stderr: `${file} validates` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
