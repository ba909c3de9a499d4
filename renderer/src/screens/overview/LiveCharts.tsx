import { useEffect, useMemo } from 'react';
import { TimeChart } from '../../components/TimeChart.js';
import { useMetrics } from '../../state/metrics.js';

/** Requests/s, denials, tokens and cost over the last five minutes, from the live ledger stream. */
export function LiveCharts() {
  const buckets = useMetrics((s) => s.buckets);
  const tick = useMetrics((s) => s.tick);
  useEffect(() => {
    const t = setInterval(() => tick(Math.floor(Date.now() / 1000)), 1000);
    return () => clearInterval(t);
  }, [tick]);
  const times = useMemo(() => buckets.map((b) => b.t), [buckets]);
  const traffic = useMemo(
    () => [
      { label: 'requests/s', values: buckets.map((b) => b.requests), color: '#2f6fde' },
      { label: 'denials/s', values: buckets.map((b) => b.denials), color: '#d0021b' },
    ],
    [buckets],
  );
  const tokens = useMemo(
    () => [{ label: 'tokens/s', values: buckets.map((b) => b.tokens), color: '#8a4fd8' }],
    [buckets],
  );
  const cost = useMemo(() => {
    let sum = 0;
    return [
      { label: 'cost USD (cumulative)', values: buckets.map((b) => (sum += b.costUsd)), color: '#1f8a4c' },
    ];
  }, [buckets]);
  const last = buckets.slice(-10);
  const rps = last.reduce((a, b) => a + b.requests, 0) / Math.max(last.length, 1);
  const total = buckets.reduce(
    (a, b) => ({ denials: a.denials + b.denials, tokens: a.tokens + b.tokens, cost: a.cost + b.costUsd }),
    { denials: 0, tokens: 0, cost: 0 },
  );
  return (
    <section className="card wide" aria-labelledby="live-h">
      <h3 id="live-h">Live traffic · last 5 minutes</h3>
      <div className="row" style={{ gap: 28, marginBottom: 8 }}>
        <Stat label="requests/s (10 s)" value={rps.toFixed(1)} />
        <Stat label="denials" value={String(total.denials)} />
        <Stat label="tokens" value={total.tokens.toLocaleString()} />
        <Stat label="cost" value={`$${total.cost.toFixed(4)}`} />
      </div>
      <div className="split">
        <TimeChart label="Requests and denials per second" times={times} series={traffic} />
        <TimeChart label="Tokens per second" times={times} series={tokens} />
      </div>
      <TimeChart label="Cumulative cost" times={times} series={cost} height={110} />
    </section>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="stat">
      <span className="value">{value}</span>
      <span className="label">{label}</span>
    </div>
  );
}
