import { expect } from 'chai';
import { withHostDefaults } from '../../lib/engine/vars.js';

describe('ansible.cfg connection defaults under host variables', () => {
  const defaults = {
    ansible_user: 'deploy',
    ansible_ssh_private_key_file: '/keys/cfg',
    ansible_ssh_common_args: '-o ServerAliveInterval=30',
  };

  it('fill in what the host does not set', () => {
    expect(withHostDefaults(defaults, { ansible_host: 'db1' })).to.deep.equal({
      ansible_host: 'db1',
      ...defaults,
    });
  });

  it('lose to the host’s own values, in any spelling Ansible accepts', () => {
    const v = withHostDefaults(defaults, { ansible_ssh_user: 'pg', ansible_private_key_file: '/keys/host' });
    expect(v).to.not.have.property('ansible_user');
    expect(v).to.not.have.property('ansible_ssh_private_key_file');
    expect(v).to.include({ ansible_ssh_user: 'pg', ansible_private_key_file: '/keys/host' });
  });

  it('keep both sets of ssh arguments, the host’s first (ssh takes the first value)', () => {
    const v = withHostDefaults(defaults, { ansible_ssh_common_args: '-o ServerAliveInterval=5' });
    expect(v.ansible_ssh_common_args).to.equal('-o ServerAliveInterval=5 -o ServerAliveInterval=30');
  });
});
