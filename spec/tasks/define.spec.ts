import type { JSONSchemaType } from 'ajv';
import { expect } from 'chai';
import { Secret } from '../../lib/secret.js';
import { defineTask, type PlanContext } from '../../lib/tasks/define.js';

interface Args {
  name: string;
  port?: number;
  state?: 'present' | 'absent';
  peer?: { host: string; port?: number };
  password?: string | Secret;
}

const schema: JSONSchemaType<Args> = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'a name' },
    port: { type: 'integer', nullable: true, default: 5432, description: 'a port' },
    state: {
      type: 'string',
      enum: ['present', 'absent'],
      nullable: true,
      default: 'present',
      description: 's',
    },
    peer: {
      type: 'object',
      nullable: true,
      properties: {
        host: { type: 'string', description: 'h' },
        port: { type: 'integer', nullable: true, default: 5433, description: 'p' },
      },
      required: ['host'],
      description: 'a nested map',
    },
    password: {
      anyOf: [{ type: 'string' }, { type: 'object' }],
      description: 'a secret',
    } as unknown as JSONSchemaType<Args>['properties']['password'],
  },
  required: ['name'],
  additionalProperties: false,
};

/** A task whose plan returns the arguments it was given. */
const echo = defineTask<Args>({
  name: 'echo',
  description: 'returns its arguments',
  schema,
  async plan(_ctx, args) {
    return { actions: [], data: { args } };
  },
});
const ctx = {} as PlanContext;
const seen = async (args: Args) => (await echo.plan(ctx, args)).data?.args;

describe('defineTask: the schema is where defaults live', () => {
  it("the planner sees the schema's defaults for missing and null arguments, nested ones included", async () => {
    expect(await seen({ name: 'a' })).to.deep.equal({ name: 'a', port: 5432, state: 'present' });
    expect(await seen({ name: 'a', port: null as unknown as number, peer: { host: 'h' } })).to.deep.equal({
      name: 'a',
      port: 5432,
      state: 'present',
      peer: { host: 'h', port: 5433 },
    });
  });

  it('keeps given values, secrets as they are, and the caller’s object unchanged', async () => {
    const password = new Secret('pw');
    const args: Args = { name: 'a', port: 1, state: 'absent', peer: { host: 'h', port: 2 }, password };
    const copy = { ...args, peer: { ...args.peer } };
    const got = (await seen(args)) as Args;
    expect(got).to.deep.equal(copy);
    expect(got.password).to.equal(password);
    const bare: Args = { name: 'b', peer: { host: 'h' } };
    await seen(bare);
    expect(bare).to.deep.equal({ name: 'b', peer: { host: 'h' } });
  });
});
