/**
 * The published schemas are what the tables say, and the rig schema an editor reads checks the
 * `virtual:` section with the virtual rig's own schema.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { renderSchema, SCHEMA_FILES, type SchemaFile } from '../../../harness/app/publish-schemas.js';

test.each(Object.keys(SCHEMA_FILES))('published %s is up to date (npm run build && node dist/harness/app/publish-schemas.js)', (file) => {
  expect(readFileSync(file, 'utf8')).toBe(renderSchema(file as SchemaFile));
});

describe('rigs/schema/rig.schema.json types the virtual section', () => {
  const ajv = new Ajv({ strict: false, allowUnionTypes: true, allErrors: true });
  const validate = ajv.compile(JSON.parse(readFileSync('rigs/schema/rig.schema.json', 'utf8')));
  const rig = (): Record<string, any> => parse(readFileSync('rigs/virtual.yaml', 'utf8'));
  const errors = () => (validate.errors ?? []).map((e) => [e.instancePath, e.keyword]);

  test('the default rig, virtual section included, is valid', () => {
    expect(validate(rig())).toBe(true);
  });

  test('an unknown fault model is rejected where it stands', () => {
    const r = rig();
    r['virtual'].meters[0].faults = ['no-such-fault'];
    expect(validate(r)).toBe(false);
    expect(errors()).toEqual([['/virtual/meters/0/faults/0', 'enum']]);
  });

  test('a value of the wrong type is rejected where it stands', () => {
    const r = rig();
    r['virtual'].timeScale = 'fast';
    expect(validate(r)).toBe(false);
    expect(errors()).toEqual([['/virtual/timeScale', 'type']]);
  });

  test('an unknown key in the section is rejected', () => {
    const r = rig();
    r['virtual'].dongle.baud = 9600;
    expect(validate(r)).toBe(false);
    expect(errors()).toEqual([['/virtual/dongle', 'additionalProperties']]);
  });
});
