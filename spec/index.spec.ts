import { expect } from 'chai';
import * as api from '../lib/index.js';

/** The public surface is deliberate: a new export must be added here on purpose. */
describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).to.deep.equal(
      [
        'ApplyError',
        'CommandError',
        'ConnectError',
        'ExitCode',
        'InputError',
        'InternalError',
        'Payload',
        'RunPlaybookError',
        'Secret',
        'UsageError',
        'baseBackup',
        'command',
        'connect',
        'ensureLine',
        'ensureUser',
        'file',
        'hbaRule',
        'payload',
        'promote',
        'registry',
        'rejoin',
        'runPlaybook',
        'service',
        'setConf',
        'sql',
        'standby',
        'switchoverCatchUp',
        'switchoverDemote',
        'switchoverDone',
        'switchoverGates',
        'template',
        'tlsCertificates',
        'tlsFiles',
        'tlsPreflight',
        'waitForReplication',
      ].sort(),
    );
  });

  it('exposes each task with its name, schema and planner', () => {
    for (const t of [api.ensureLine, api.file, api.template, api.command]) {
      expect(t.taskName).to.be.a('string');
      expect(t.schema).to.have.property('type', 'object');
      expect(t.plan).to.be.a('function');
      expect(api.registry[t.taskName]).to.equal(t);
    }
  });
});
