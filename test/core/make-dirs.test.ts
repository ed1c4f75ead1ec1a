import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirs } from '../../core/make-dirs.js';

describe('makeDirs (mkdir -p that cannot spin)', () => {
  test('makes every missing component, and again is a no-op', () => {
    const root = mkdtempSync(join(tmpdir(), 'hil-mkdirs-'));
    try {
      const deep = join(root, 'a', 'b', 'c');
      makeDirs(deep);
      expect(statSync(deep).isDirectory()).toBe(true);
      makeDirs(deep);
      expect(statSync(deep).isDirectory()).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('a path under /proc fails at once with ENOENT naming it (Node\'s recursive mkdir spins there forever)', () => {
    expect(() => makeDirs('/proc/x/y')).toThrow(expect.objectContaining({ code: 'ENOENT', path: '/proc/x' }) as unknown as Error);
  });

  test('a file in the way is refused, not replaced', () => {
    const root = mkdtempSync(join(tmpdir(), 'hil-mkdirs-'));
    try {
      writeFileSync(join(root, 'f'), 'x');
      expect(() => makeDirs(join(root, 'f', 'sub'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }) as unknown as Error);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
