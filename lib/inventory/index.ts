export { parseIni } from './ini.js';
export { toAnsibleList } from './list.js';
export { literalEval } from './literal.js';
export type { LoadOptions } from './load.js';
export { isHostList, loadInventory, parseHostList, parseInventoryText, reconcile } from './load.js';
export { globToRegExp, selectHosts, splitPattern } from './patterns.js';
export type { HostSpec } from './ranges.js';
export { expandHostPattern, expandRange, splitPort } from './ranges.js';
export { shlexSplit } from './shlex.js';
export type { FileVars, Inventory, InventoryGroup, InventoryHost } from './types.js';
export { addChild, addGroup, addHost, emptyInventory, setGroupVar } from './types.js';
export {
  groupHosts,
  groupsMap,
  groupsOf,
  hostVars,
  IMPLICIT_LOCALHOST,
  inventoryVars,
  sortedGroups,
} from './vars.js';
export { findVarsFiles, readVarsFiles } from './vars-files.js';
export { parseYamlInventory, readYaml } from './yaml.js';
