/** Local users read from a passwd file: the exact name only, with its uid and primary gid. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findLocalUser } from './os-users.js';

test('a local user is found by its exact name, with its uid and primary gid; another name is not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-passwd-'));
  try {
    const passwd = join(dir, 'passwd');
    writeFileSync(
      passwd,
      [
        'root:x:0:0:root:/root:/bin/bash',
        'tenantry-abcd:x:200001:200002:tenantry tenant b:/nonexistent:/usr/sbin/nologin',
        'tenantry-ab:x:200003:200003::/nonexistent:/usr/sbin/nologin',
        '',
      ].join('\n'),
    );
    assert.deepEqual(findLocalUser('tenantry-ab', passwd), { uid: 200003, gid: 200003, name: 'tenantry-ab' });
    assert.deepEqual(findLocalUser('tenantry-abcd', passwd), { uid: 200001, gid: 200002, name: 'tenantry-abcd' });
    assert.equal(findLocalUser('tenantry-a', passwd), undefined);
    assert.equal(findLocalUser('x', passwd), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
