export { Console, DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_ERROR_PATTERN, type ConsoleOptions, type RunOptions, type RunResult } from './console.js';
export { ConsoleCommandError, ConsoleTimeoutError } from './errors.js';
export { consoleOptionsFromSpec, promptFrom } from './from-rig.js';
export { openConsoleLine, type ConsoleConnector, type ConsoleLine, type ConsoleLineHandlers } from './line.js';
export { StreamMatcher, type PatternMatch, type StreamMatcherOptions } from './prompt-matcher.js';
export { renderTemplate, templateVariables, type TemplateValue, type TemplateVars } from './template.js';
export { renderTranscript, Transcript, type TranscriptEntry } from './transcript.js';
