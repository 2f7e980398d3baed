import { expect } from 'chai';
import type { Connection, ExecOptions, ExecResult } from '../../lib/connection/types.js';
import { applyActions } from '../../lib/engine/apply.js';
import { proberFor } from '../../lib/engine/execute.js';
import { exec, makeDir, movePath, setAttrs, writeFile } from '../../lib/model/actions.js';
import { sh } from '../../lib/model/command.js';

/** A transport that answers every command with success and keeps the options each was run with. */
class RecordingConnection implements Connection {
  readonly host = 'rec';
  readonly user = 'root';
  readonly calls: ExecOptions[] = [];
  async open(): Promise<void> {}
  async exec(_cmd: unknown, opts: ExecOptions = {}): Promise<ExecResult> {
    this.calls.push(opts);
    return { code: 0, stdout: '', stderr: '' };
  }
  async close(): Promise<void> {}
}

/** Nothing remote may hang a run: each probe and action reaches the transport with a host-side timeout. */
describe('engine: every remote probe and action has a timeout', () => {
  it('gives probes a timeout unless the probe sets its own', async () => {
    const conn = new RecordingConnection();
    const probe = proberFor(conn, undefined);
    await probe(sh`cat /etc/hostname`);
    await probe(sh`psql`, { user: 'postgres', timeoutSec: 7 });
    expect(conn.calls.map((c) => c.timeoutSec)).to.have.length(2);
    expect(conn.calls[0]?.timeoutSec).to.be.a('number').and.be.greaterThan(0);
    expect(conn.calls[1]?.timeoutSec).to.equal(7);
  });

  it('gives every file action and every command a timeout; a command keeps its own', async () => {
    const conn = new RecordingConnection();
    await applyActions({ conn, become: undefined }, [
      writeFile({ path: '/tmp/x', before: null, after: 'x\n' }),
      setAttrs({ path: '/tmp/x', before: {}, after: { mode: '0600' } }),
      makeDir({ path: '/tmp/d' }),
      movePath({ from: '/tmp/d', to: '/tmp/e' }),
      exec({ summary: 'no timeout of its own', cmd: sh`true` }),
      exec({ summary: 'its own', cmd: sh`true`, timeoutSec: 5 }),
    ]);
    const got = conn.calls.map((c) => c.timeoutSec);
    expect(got).to.have.length(6);
    for (const t of got.slice(0, 5)) expect(t).to.be.a('number').and.be.greaterThan(0);
    expect(got[5]).to.equal(5);
  });
});
