/** What a resync enqueues, and where each tenant falls in its interval: within it, the same every time, spread over tenants. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TenantStatus } from '@tenantry/core';
import { resyncJobs, resyncOffset } from './queue.js';

test("a tenant's resync offset is within the interval, the same every time, and tenants spread evenly over it", () => {
  assert.equal(resyncOffset('acme', 0), 0, 'no spread: at once');
  assert.equal(resyncOffset('acme', 30_000), resyncOffset('acme', 30_000));
  const slugs = Array.from({ length: 1000 }, (_, i) => `tenant-${i}`);
  const offsets = slugs.map((slug) => resyncOffset(slug, 30_000));
  assert.ok(offsets.every((o) => Number.isInteger(o) && o >= 0 && o < 30_000));
  // Ten windows of 3 s: each holds about a tenth of the tenants (100), none more than half again.
  const windows = Array.from({ length: 10 }, (_, w) => offsets.filter((o) => Math.floor(o / 3_000) === w).length);
  assert.ok(
    windows.every((n) => n > 50 && n < 150),
    windows.join(' '),
  );
});

test('a resync looks at ready tenants and frozen ones meant to wake, finishes unfinished ones, and leaves failed and frozen ones alone', () => {
  const tenant = (slug: string, status: TenantStatus, state: 'active' | 'frozen' = 'active') => ({
    slug,
    status,
    spec: { name: slug, tier: 'trial' as const, state },
  });
  const jobs = resyncJobs(
    [
      tenant('ready', 'ready'),
      tenant('asleep', 'frozen', 'frozen'),
      tenant('waking', 'frozen', 'active'),
      tenant('falling-asleep', 'ready', 'frozen'),
      tenant('new', 'pending'),
      tenant('broken', 'failed'),
      tenant('leaving', 'deprovisioning'),
    ],
    0,
  );
  assert.deepEqual(
    jobs.map((j) => `${j.action} ${j.slug}`),
    ['resync ready', 'resync waking', 'resync falling-asleep', 'reconcile new', 'reconcile leaving'],
  );
});
