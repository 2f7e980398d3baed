export { CENSORED, type ConsoleOptions, consoleReporter, itemLabel, type Reporter } from './console.js';
export { describeAttrs, preloadDiff, renderAction, renderDiff } from './diff.js';
export {
  type JsonHostResult,
  type JsonPlay,
  type JsonReport,
  type JsonTask,
  jsonReporter,
  redactDeep,
} from './json.js';
export { banner, painter, recapLines } from './style.js';
