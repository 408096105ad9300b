/** The mail step's observe against the real SMTP catcher: the tenant's credentials hold until the catcher's key changes. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startMailCatcher } from '@tenantry/mail-catcher';
import { CatcherMail } from './catcher-mail.js';

test("observing a tenant's mail: present while the catcher takes its credentials, missing once the catcher's key changed, present after create", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tenantry-catcher-mail-'));
  const tenant = { slug: 'acme', name: 'Acme', tier: 'trial' } as const;
  let catcher = await startMailCatcher({ key: 'the-first-key-0123456789', dataDir });
  try {
    const { smtpPort, httpPort } = catcher;
    const grant = await new CatcherMail({ smtpPort, httpPort, key: 'the-first-key-0123456789', domain: 'localhost' }).create(tenant);
    assert.deepEqual(await new CatcherMail({ smtpPort, httpPort, key: 'the-first-key-0123456789', domain: 'localhost' }).observe(tenant, grant), {
      state: 'present',
    });

    // The catcher restarted with another key on the same ports: the credentials the pod holds no longer open anything.
    await catcher.close();
    catcher = await startMailCatcher({ key: 'the-second-key-9876543210', dataDir, smtpPort, httpPort });
    const mail = new CatcherMail({ smtpPort, httpPort, key: 'the-second-key-9876543210', domain: 'localhost' });
    const stale = await mail.observe(tenant, grant);
    assert.equal(stale.state, 'missing');
    assert.match(stale.state === 'missing' ? stale.message : '', /refuses acme's credentials \(HTTP 401\)/);
    assert.deepEqual(await mail.observe(tenant, await mail.create(tenant)), { state: 'present' }, 'applying again gives credentials that hold');

    await catcher.close();
    await assert.rejects(mail.observe(tenant, grant), /the mail catcher at 127\.0\.0\.1:\d+ is unreachable/);
  } finally {
    await catcher.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
