/**
 * Analytics end to end on the real platform, the same scenario for each path: requests to tenant pods → the
 * tenant's stream or topic → the master scheduler's consumer → the store → `tenantry usage`. Exact counts, a
 * consumer killed mid-stream, and a bus that stops answering while tenants keep serving.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '@tenantry/core';
import { PlatformProcess } from '@tenantry/local-host/test-support';

export interface AnalyticsBackendsForTest {
  /** Environment for `tenantry up`, e.g. TENANTRY_ANALYTICS and the servers' addresses. */
  env: NodeJS.ProcessEnv;
  /** The bus's process, frozen with SIGSTOP by the test. */
  busPid(platform: PlatformProcess): number;
  close(): Promise<void>;
}

export function analyticsFlow(name: string, portRange: string, open: () => Promise<AnalyticsBackendsForTest>): void {
  describe(`analytics end to end: ${name}`, () => {
    let platform: PlatformProcess;
    let backends: AnalyticsBackendsForTest;

    before(async () => {
      backends = await open();
      platform = await PlatformProcess.create(portRange);
      platform.extraEnv = backends.env;
      await platform.start();
      for (const slug of ['alpha', 'bravo']) assert.equal((await platform.api('POST', '/admin/api/tenants', { slug, tier: 'trial' })).status, 202);
      await Promise.all(['alpha', 'bravo'].map((slug) => platform.waitStatus(slug, 'ready')));
    });
    after(async () => {
      await platform.dispose();
      await backends.close();
    });

    const hit = async (slug: string, times: number) => {
      for (let i = 0; i < times; i++) assert.equal((await platform.http(`${slug}.localhost`, '/api/user/config')).status, 200);
    };
    const requests = (slug: string): number => {
      const result = platform.cli('usage', slug, '--json');
      assert.equal(result.status, 0, result.stderr);
      return JSON.parse(result.stdout).totals.requests;
    };
    const waitRequests = (slug: string, expected: number) =>
      waitFor(() => requests(slug) === expected, { what: `${slug} to show ${expected} requests`, timeoutMs: 60_000, intervalMs: 250 });

    test('N requests to tenant A and M to tenant B show up as exactly N and M', async () => {
      await Promise.all([hit('alpha', 37), hit('bravo', 23)]);
      await Promise.all([waitRequests('alpha', 37), waitRequests('bravo', 23)]);
      const usage = await platform.api('GET', '/admin/api/platform/usage?hours=1');
      assert.deepEqual(
        usage.json.tenants.map((t: { tenant: string; requests: number }) => [t.tenant, t.requests]),
        [
          ['alpha', 37],
          ['bravo', 23],
        ],
      );
      assert.equal(usage.json.totals.requests, 60);
      assert.equal(usage.json.tenants[0].costEstimate.totalUsdPerMonth, 11.5, 'a trial tenant: a share of the RDS host plus spot compute');
      const series = await platform.api('GET', '/admin/api/tenants/alpha/usage?hours=1&bucketMinutes=60');
      assert.ok(series.json.series.every((p: { p95LatencyMs: number | null }) => p.p95LatencyMs === null || p.p95LatencyMs >= 0));
      assert.equal((await platform.api('GET', '/admin/api/tenants/alpha/usage?hours=0')).status, 400);
      assert.equal((await platform.api('GET', '/admin/api/tenants/nobody/usage')).status, 404);
      assert.equal(JSON.parse(platform.cli('usage', 'alpha', '--json').stdout).costEstimate.totalUsdPerMonth, 11.5);
    });

    test('the consumer killed mid-stream resumes with no loss and no double count', async () => {
      const before = requests('alpha');
      const sending = hit('alpha', 60);
      process.kill(platform.pid('pod-master', 'scheduler'), 'SIGKILL');
      await sending;
      await waitRequests('alpha', before + 60);
    });

    test('with the bus not answering, tenants still answer at once, and nothing is lost when it is back', async () => {
      const before = requests('bravo');
      const bus = backends.busPid(platform);
      process.kill(bus, 'SIGSTOP');
      try {
        const started = performance.now();
        await hit('bravo', 20);
        assert.ok(performance.now() - started < 5_000, `20 requests answered in ${Math.round(performance.now() - started)} ms with the bus frozen`);
      } finally {
        process.kill(bus, 'SIGCONT');
      }
      await waitRequests('bravo', before + 20);
    });
  });
}
