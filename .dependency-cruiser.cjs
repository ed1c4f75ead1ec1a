/**
 * The layer rules of csmp-hil, checked on every `npm test` (test/architecture/layers.test.ts).
 * ARCHITECTURE.md explains each layer; a rule here is the machine form of a sentence there.
 */
const IO = '^(node:)?(fs|fs/promises|net|dgram|child_process|tty|worker_threads|http|https|readline)$|^(serialport|@serialport/.*|execa)$';
const PURE_CODECS = '^(drivers/ip/|drivers/slip/slip-(decoder|encode)\\.ts|core/pcap-format\\.ts|drivers/pcap/(record|link-layer|pcap-records|pcapng-records|capture-format|record-reader)\\.ts|harness/coap/(message|codes|errors)\\.ts|harness/csmp/|harness/decode/(message|render|frame-event)\\.ts)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'Files that import each other cannot be understood, tested or replaced one at a time.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycles',
      comment: 'Two folders that import each other are one layer pretending to be two.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-nothing-of-ours',
      comment: 'core/ is the vocabulary every layer shares (errors, clock, bytes, durations, atomic write, the pcap file format); it stands below all of them.',
      severity: 'error',
      from: { path: '^core/' },
      to: { path: '^(harness|drivers|rigs|bench|test)/' },
    },
    {
      name: 'drivers-stand-below-the-harness',
      comment: 'drivers/ move bytes and run commands; they must be usable without the harness, the virtual rig or the suites.',
      severity: 'error',
      from: { path: '^drivers/' },
      to: { path: '^(harness|rigs|bench|test)/' },
    },
    {
      name: 'codecs-do-no-io',
      comment: 'Pure codecs take bytes and return values or DecodeErrors: no files, sockets, ports, processes, nor the stateful layers.',
      severity: 'error',
      from: { path: PURE_CODECS, pathNot: '^harness/csmp/schema/(load\\.ts|generate\\.mjs)$' },
      to: {
        path: `${IO}|^drivers/(serial|udp|link|console|power)/|^harness/(nms|steps|runner|report|app|cli|config)/|^rigs/`,
      },
    },
    {
      name: 'runner-knows-no-bytes',
      comment: 'The runner schedules steps and times them out; bytes, CoAP, CSMP and the NMS are the executor’s business.',
      severity: 'error',
      from: { path: '^harness/runner/' },
      to: { path: '^(drivers|rigs)/|^harness/(coap|csmp|decode|nms|steps|report|app|cli)/' },
    },
    {
      name: 'reporters-know-no-devices',
      comment: 'Reporters only listen to run events; they never reach drivers, the NMS, steps or the runner.',
      severity: 'error',
      from: { path: '^harness/report/' },
      to: { path: '^(drivers|rigs)/|^harness/(nms|steps|runner|app|cli)/' },
    },
    {
      name: 'evidence-is-files-and-signatures',
      comment: 'Certification evidence (DSSE envelope, in-toto statement, bundle hashes) is read and checked without a rig: it never reaches drivers, the NMS, steps, the runner or the app.',
      severity: 'error',
      from: { path: '^harness/evidence/' },
      to: { path: '^(drivers|rigs)/|^harness/(nms|steps|runner|app|cli|report)/' },
    },
    {
      name: 'model-is-a-contract',
      comment: 'The run model and the reporter contract are data shapes both runner and reporters import; they import neither.',
      severity: 'error',
      from: { path: '^harness/model/' },
      to: { path: '^(drivers|rigs)/|^harness/(?!model/|config/)' },
    },
    {
      name: 'virtual-rig-speaks-through-contracts',
      comment: 'The virtual rig shares with real hardware only the wire (CSMP/CoAP codecs), the rig file and core; it never reaches the NMS, steps, runner or reports.',
      severity: 'error',
      from: { path: '^rigs/' },
      to: { path: '^harness/(?!csmp/|coap/(message|codes|errors)\\.ts|config/)' },
    },
    {
      name: 'only-the-composition-root-opens-the-virtual-rig',
      comment: 'harness/app (and cli through it) decides between the virtual rig and real hardware; nothing below knows the difference.',
      severity: 'error',
      from: { path: '^harness/', pathNot: '^harness/(app|cli)/' },
      to: { path: '^rigs/' },
    },
    {
      name: 'product-never-imports-tests',
      severity: 'error',
      from: { path: '^(core|drivers|harness|rigs)/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
