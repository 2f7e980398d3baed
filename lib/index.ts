export * from './errors.js';
export { Payload, payload, Secret } from './secret.js';
