/** The operator's usage view: the last 24 hours per tenant from the analytics store, with an hourly chart. */
import { useEffect, useState } from 'react';
import { api } from '../lib/api.js';

interface TenantUsage {
  tenant: string;
  tier: string;
  requests: number;
  errors: number;
  activeUsers: number;
  jobs: number;
  jobsFailed: number;
  storageBytes: number;
  costEstimate: { totalUsdPerMonth: number; basis: string };
}
export interface PlatformUsage {
  totals: { tenants: number; requests: number; errors: number; activeUsers: number; jobs: number; costUsdPerMonth: number };
  tenants: TenantUsage[];
}
interface Point {
  at: string;
  requests: number;
  errors: number;
  p95LatencyMs: number | null;
}

/** Requests per hour as bars, errors in red on top, p95 latency as a line on its own scale. */
function Chart({ series }: { series: Point[] }) {
  const width = 720;
  const height = 160;
  if (!series.some((p) => p.requests > 0)) return <p className="muted">No traffic in the last 24 hours.</p>;
  const maxRequests = Math.max(1, ...series.map((p) => p.requests));
  const maxP95 = Math.max(1, ...series.map((p) => p.p95LatencyMs ?? 0));
  const step = width / series.length;
  const y = (v: number, max: number) => height - (v / max) * (height - 10);
  const line = series.flatMap((p, i) => (p.p95LatencyMs === null ? [] : [`${(i + 0.5) * step},${y(p.p95LatencyMs, maxP95)}`])).join(' ');
  return (
    <svg viewBox={`0 0 ${width} ${height + 20}`} width="100%" role="img" aria-label="Requests per hour and p95 latency">
      {series.map((p, i) => (
        <g key={p.at}>
          <rect x={i * step + 1} y={y(p.requests, maxRequests)} width={Math.max(1, step - 2)} height={height - y(p.requests, maxRequests)} fill="var(--brand)">
            <title>{`${new Date(p.at).toLocaleString()}: ${p.requests} requests, ${p.errors} errors, p95 ${p.p95LatencyMs ?? '—'} ms`}</title>
          </rect>
          <rect x={i * step + 1} y={y(p.errors, maxRequests)} width={Math.max(1, step - 2)} height={height - y(p.errors, maxRequests)} fill="#dc2626" />
        </g>
      ))}
      <polyline points={line} fill="none" stroke="#f59e0b" strokeWidth={2} />
      {series.map((p, i) =>
        p.p95LatencyMs === null ? null : <circle key={`p95-${p.at}`} cx={(i + 0.5) * step} cy={y(p.p95LatencyMs, maxP95)} r={3} fill="#f59e0b" />,
      )}
      <text x={0} y={height + 16} fontSize={11}>
        max {maxRequests} requests/h (bars, errors in red) · p95 up to {Math.round(maxP95)} ms (line)
      </text>
    </svg>
  );
}

export function UsagePanel({ usage }: { usage: PlatformUsage | null }) {
  const [selected, setSelected] = useState<string | null>(usage?.tenants[0]?.tenant ?? null);
  const [series, setSeries] = useState<Point[] | null>(null);
  useEffect(() => {
    if (!selected) return;
    api<{ series: Point[] }>(`/admin/api/tenants/${selected}/usage?hours=24&bucketMinutes=60`).then(
      (r) => setSeries(r.series),
      () => setSeries([]),
    );
  }, [selected]);
  if (!usage) return null;
  const t = usage.totals;
  return (
    <section aria-label="Usage">
      <h2>Usage, last 24 hours</h2>
      <p>
        {t.tenants} tenants · {t.requests} requests · {t.errors} errors · {t.activeUsers} active users · {t.jobs} jobs · estimated $
        {t.costUsdPerMonth.toFixed(2)}/month on AWS
      </p>
      <table>
        <thead>
          <tr>
            <th>Tenant</th>
            <th>Requests</th>
            <th>Errors</th>
            <th>Active users</th>
            <th>Jobs (failed)</th>
            <th>Estimated cost</th>
          </tr>
        </thead>
        <tbody>
          {usage.tenants.map((u) => (
            <tr key={u.tenant} data-usage={u.tenant}>
              <td>
                <button className="secondary" onClick={() => setSelected(u.tenant)}>
                  {u.tenant}
                </button>{' '}
                <span className="muted">{u.tier}</span>
              </td>
              <td data-testid="requests">{u.requests}</td>
              <td>{u.errors}</td>
              <td>{u.activeUsers}</td>
              <td>
                {u.jobs} ({u.jobsFailed})
              </td>
              <td title={u.costEstimate.basis}>${u.costEstimate.totalUsdPerMonth.toFixed(2)}/month</td>
            </tr>
          ))}
        </tbody>
      </table>
      {selected ? (
        <>
          <h3>{selected}</h3>
          {series ? <Chart series={series} /> : <p className="muted">Loading…</p>}
        </>
      ) : null}
    </section>
  );
}
