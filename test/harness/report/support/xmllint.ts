import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** The consumers' schemas (test/fixtures/xsd/README.md says where they come from). */
export const XUNIT_XSD = 'test/fixtures/xsd/junit-10.xsd';
export const SUREFIRE_XSD = 'test/fixtures/xsd/surefire-test-report-3.0.xsd';

/**
 * xmllint's verdict on a JUnit file: the whole file against the Jenkins xUnit plugin's
 * junit-10.xsd, and each <testsuite> in it, as its own document, against Surefire's schema
 * (whose root is a single testsuite). `stderr` is "<file> validates" when both accept it.
 */
export async function validateJUnit(file: string): Promise<{ exitCode: number; stderr: string }> {
  const whole = await execa('xmllint', ['--noout', '--schema', XUNIT_XSD, file], { reject: false });
  if (whole.exitCode !== 0) return { exitCode: whole.exitCode ?? -1, stderr: `junit-10.xsd: ${whole.stderr}` };
  const all = await execa('xmllint', ['--xpath', '//testsuite', file], { reject: false });
  // Our testsuites do not nest, and text cannot hold a raw "<", so each match is one element.
  const suites = all.stdout.match(/<testsuite [\s\S]*?<\/testsuite>|<testsuite [^>]*\/>/g) ?? [];
  if (!suites.length) return { exitCode: 0, stderr: `${file} validates` };
  const dir = mkdtempSync(join(tmpdir(), 'hil-xsd-'));
  try {
    const files = suites.map((xml, i) => {
      const f = join(dir, `suite-${i}.xml`);
      writeFileSync(f, `<?xml version="1.0" encoding="UTF-8"?>\n${xml}\n`);
      return f;
    });
    const each = await execa('xmllint', ['--noout', '--schema', SUREFIRE_XSD, ...files], { reject: false });
    if (each.exitCode !== 0) return { exitCode: each.exitCode ?? -1, stderr: `surefire-test-report-3.0.xsd: ${each.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { exitCode: 0, stderr: `${file} validates` };
}

/** Evaluates an XPath expression with xmllint; a real XML parser, not a regex, reads the report. */
export async function xpath(file: string, expr: string): Promise<string> {
  const r = await execa('xmllint', ['--xpath', expr, file], { reject: false });
  return r.stdout.trim();
}
