/**
 * Full and read-only disks for the CLI tests: a shell script run in a private mount namespace of
 * its own (root and unshare), so the tmpfs it mounts vanishes with it and nothing else sees it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { test } from '@jest/globals';
import { ROOT } from '../../harness/cli/support/cli.js';

/** Whether this process may make a private mount namespace with its own tmpfs (root, unshare present). */
function canMountTmpfs(): boolean {
  try {
    execFileSync('unshare', ['-m', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs "${tmpdir()}" && true`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `test` where a tmpfs can be mounted, `test.skip` elsewhere. */
export const onTmpfs = canMountTmpfs() ? test : test.skip;

/** Runs `script` in a mount namespace of its own: exit code, stdout and stderr. */
export function inMountNamespace(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn('unshare', ['-m', 'sh', '-c', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    c.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
