export { loadPlaybook } from './load.js';
export { AJV_OPTIONS, type Flavor, schemaFile, validatorFor } from './precompiled.js';
export { didYouMean, formatAjvError } from './schema.js';
export { filterTags } from './tags.js';
export type { BecomeMethod, Play, TaskNode, TaskSchemas } from './types.js';
