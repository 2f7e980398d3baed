export { loadPlaybook } from './load.js';
export { didYouMean, formatAjvError } from './schema.js';
export { filterTags } from './tags.js';
export type { BecomeMethod, Play, TaskNode, TaskSchemas } from './types.js';
