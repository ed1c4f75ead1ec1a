/** The text of a rig, suite or hil.config file, read with a ceiling: a path may name /dev/zero or a 50 MB file. */
import { readFileBounded } from '../../core/bounded-read.js';
import { ConfigError, ResourceError } from '../../core/errors.js';
import { MAX_CONFIG_BYTES } from './yaml-source.js';

export function readConfigText(file: string, what: string): string {
  try {
    return readFileBounded(file, MAX_CONFIG_BYTES).toString('utf8');
  } catch (e) {
    if (e instanceof ResourceError) {
      const why = e.code === 'limit' ? e.reason : ((e.cause as NodeJS.ErrnoException | undefined)?.code ?? e.reason);
      throw new ConfigError(file, 'file', `cannot read ${what}: ${why}`);
    }
    throw e;
  }
}
