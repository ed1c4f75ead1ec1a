import { parseRig, type Rig } from '../../../../harness/config/rig.js';
import { SUITE_BRANCHES } from '../../../../harness/config/suite-schema.js';
import { parseSuite, type Suite } from '../../../../harness/config/suite.js';

export interface FakeDevice {
  name: string;
  capabilities?: string[];
}

/** A rig of fake devices on one SLIP link; every device gets console and power sections. */
export function fakeRig(devices: FakeDevice[], opts: { vip?: boolean } = {}): Rig {
  const lines = [
    'name: fake-rig',
    'nms:',
    '  addresses:',
    '    - { name: fnd, address: "2001:db8::10" }',
    ...(opts.vip ? ['    - { name: vip, address: "2001:db8::11" }'] : []),
    '  signing: { key: k.pem, cert: c.pem }',
    'links: [ { name: dongle, kind: slip, path: /dev/null } ]',
    'devices:',
  ];
  devices.forEach((d, i) => {
    const hex = (i + 1).toString(16).padStart(4, '0');
    lines.push(
      `  - name: ${d.name}`,
      `    eui64: 00173b000000${hex}`,
      `    address: "2001:db8::${hex}"`,
      '    link: dongle',
      '    console: { path: /dev/null, prompt: "> " }',
      '    power: { on: "true", off: "true" }',
      '    expected: { firmwareVersion: "6.2.19", hwId: CGMESH, firmwareGroup: 1001 }',
      `    capabilities: [${(d.capabilities ?? ['console', 'power']).join(', ')}]`,
    );
  });
  return parseRig(`${lines.join('\n')}\n`, 'rigs/fake.yaml', { checkFiles: false });
}

/** A suite from YAML lines, for readability in tests; its branch is the suite's name when that is one, else the baseline. */
export function suite(name: string, ...lines: string[]): Suite {
  const branch = SUITE_BRANCHES.includes(name) ? name : 'baseline';
  return parseSuite(`suite: ${name}\nbranch: ${branch}\n${lines.join('\n')}\n`, `suites/${name}.yaml`);
}
