import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: number[];
  color: string;
}

/** A small live line chart (uPlot): x = unix seconds. */
export function TimeChart({
  label,
  times,
  series,
  height = 140,
}: {
  label: string;
  times: number[];
  series: ChartSeries[];
  height?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('|');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.15)' } },
        { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.15)' }, size: 50 },
      ],
      series: [
        {},
        ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, points: { show: false } })),
      ],
    };
    plot.current = new uPlot(opts, [[], ...series.map(() => [])], el);
    const ro = new ResizeObserver(() =>
      plot.current?.setSize({ width: Math.max(el.clientWidth, 200), height }),
    );
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
    // Recreate only when the set of series changes; data flows through setData below.
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData([times, ...series.map((s) => s.values)]);
  }, [times, series]);

  return <div ref={box} className="chart" role="img" aria-label={label} />;
}
