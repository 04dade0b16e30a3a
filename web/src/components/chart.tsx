// A time series chart (uPlot, canvas) of reports per day, one series per value. A click on the
// chart opens the inbox for that day (and the series nearest the pointer); the legend and the
// table below give the same figures as links for keyboard and screen-reader users.
import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import { getLocale } from '../i18n';

export const PALETTE = ['#1d3f8f', '#c0392b', '#8e44ad', '#d35400', '#16a085', '#2c3e50', '#7f8c8d', '#b7950b', '#27ae60', '#e84393'];

export interface Series {
  key: string;
  label: string;
  values: (number | null)[];
}

export function TimeChart({ days, series, onPick, ariaLabel, height = 260 }: {
  days: string[];  // YYYY-MM-DD, ascending
  series: Series[];
  onPick?: (day: string, seriesKey: string | null) => void;
  ariaLabel: string;
  height?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || days.length === 0) return;
    const xs = days.map((d) => Date.parse(d + 'T00:00:00Z') / 1000);
    const nf = new Intl.NumberFormat(getLocale());
    const df = new Intl.DateTimeFormat(getLocale(), { day: 'numeric', month: 'short', timeZone: 'UTC' });
    const opts: uPlot.Options = {
      width: Math.max(300, el.clientWidth),
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      cursor: { focus: { prox: 16 }, drag: { x: false, y: false } },
      focus: { alpha: 0.35 },
      legend: { show: false },
      scales: { x: { time: true } },
      axes: [
        { space: 70, values: (_u, splits) => splits.map((s) => df.format(new Date(s * 1000))) },
        { values: (_u, splits) => splits.map((s) => nf.format(s)), size: 60 },
      ],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          points: { show: days.length < 60 },
        })),
      ],
    };
    const u = new uPlot(opts, [xs, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const canvas = u.over;
    const click = () => {
      const idx = u.cursor.idx;
      if (idx === null || idx === undefined || !onPick) return;
      const focused = u.series.findIndex((s, i) => i > 0 && (s as any)._focus);
      onPick(days[idx], focused > 0 ? series[focused - 1].key : null);
    };
    canvas.addEventListener('click', click);
    canvas.style.cursor = onPick ? 'pointer' : '';
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(300, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      canvas.removeEventListener('click', click);
      u.destroy();
    };
  }, [days.join(), JSON.stringify(series), getLocale()]);
  return <div class="chart" ref={box} role="img" aria-label={ariaLabel} data-testid="time-chart" />;
}
