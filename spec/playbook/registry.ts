import type { TaskSchemas } from '../../lib/playbook/index.js';

/** A small stand-in for tasks/registry.ts: three tasks with real-looking schemas. */
export const fakeRegistry: TaskSchemas = {
  ensureLine: {
    schema: {
      type: 'object',
      properties: {
        path: { type: 'string' },
        line: { type: 'string' },
        state: { type: 'string', enum: ['present', 'absent'] },
      },
      required: ['path'],
      additionalProperties: false,
    },
  },
  command: {
    schema: {
      type: 'object',
      properties: {
        cmd: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
        creates: { type: 'string' },
      },
      required: ['cmd'],
      additionalProperties: false,
    },
  },
  setConf: {
    schema: {
      type: 'object',
      properties: {
        file: { type: 'string' },
        settings: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
      },
      required: ['file', 'settings'],
      additionalProperties: false,
    },
  },
};
