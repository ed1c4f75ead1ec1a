export { formatDuration, parseDuration } from './duration.js';
export { loadRig, parseRig, type Rig, type DeviceSpec, type LinkSpec, type LoadRigOptions } from './rig.js';
export { loadSuite, loadSuites, parseSuite, requirementsOf, type Suite, type TestSpec, type Requirements } from './suite.js';
export { STEPS, STEP_NAMES, stepVocabulary, type Step, type StepName, type StepParamsByName } from './steps.js';
