import assert from 'node:assert/strict';
import { exitCodeOf, noProgram } from '../../src/core/kube/exec';

describe('exec: reading the Status the API server sends at the end', () => {
  it('exit codes: Success is 0, a non-zero exit carries its code in details.causes', () => {
    assert.equal(exitCodeOf({ status: 'Success' }), 0);
    assert.equal(exitCodeOf({ status: 'Failure', reason: 'NonZeroExitCode', message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3', details: { causes: [{ reason: 'ExitCode', message: '3' }] } }), 3);
    assert.equal(exitCodeOf({ status: 'Failure', message: 'something else' }), 1);
  });

  it('a container without the program is said plainly', () => {
    const s = { status: 'Failure', message: 'OCI runtime exec failed: exec failed: unable to start container process: exec: "/bin/sh": stat /bin/sh: no such file or directory: unknown' };
    assert.match(noProgram(s, '/bin/sh')!, /^The container has no \/bin\/sh \(OCI runtime exec failed/);
    assert.equal(noProgram({ status: 'Success' }, '/bin/sh'), undefined);
  });
});
