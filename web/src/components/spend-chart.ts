import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { cumulativeUsd, dayStartMs, type StackedDaily } from '../daily.ts';
import { formatUsd } from '../format.ts';
import { html } from '../html.ts';

/**
 * Daily spend as bars stacked by model, drawn by uPlot on a canvas. The canvas is hidden from
 * assistive technology; the same numbers are in the table under "Show as table".
 */

/** Colour-blind-safe palette (Okabe–Ito), in stack order from the bottom. */
export const MODEL_COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#999999'];

const HEIGHT = 240;
const HALF_DAY_S = 43_200;

function dayLabel(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** Axis colours from the stylesheet, so the chart follows the light or dark theme. */
function themeColours(): { text: string; grid: string; tick: string } {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return { text: v('--muted', '#5b6570'), grid: v('--border-soft', '#eaeef2'), tick: v('--border', '#d8dee4') };
}

function options(stack: StackedDaily, width: number): uPlot.Options {
  const theme = themeColours();
  const bars = uPlot.paths.bars?.({ size: [0.7, 48], align: 0 });
  const n = stack.models.length;
  // Drawn tallest first (the running sum up to the top model), so each later, shorter bar covers
  // the lower part and every model's slice stays visible.
  const series: uPlot.Series[] = [{ label: 'Day (UTC)', value: (_u, v) => (v == null ? '—' : dayLabel(new Date(v * 1000).toISOString().slice(0, 10))) }];
  for (let k = n - 1; k >= 0; k--) {
    const m = stack.models[k];
    if (!m) continue;
    const color = MODEL_COLORS[k % MODEL_COLORS.length] ?? '#999';
    series.push({
      label: m.model,
      fill: color,
      stroke: color,
      width: 0,
      ...(bars ? { paths: bars } : {}),
      points: { show: false },
      value: (_u, _v, _si, idx) => formatUsd(idx == null ? m.totalNano : (m.costNano[idx] ?? 0)),
    });
  }
  return {
    width,
    height: HEIGHT,
    series,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales: {
      x: { time: true, range: (_u, min, max) => [min - HALF_DAY_S, max + HALF_DAY_S] },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] },
    },
    axes: [
      {
        stroke: theme.text,
        grid: { show: false },
        ticks: { stroke: theme.tick },
        space: 56,
        values: (_u, ticks) => ticks.map((t) => dayLabel(new Date(t * 1000).toISOString().slice(0, 10))),
      },
      {
        stroke: theme.text,
        grid: { stroke: theme.grid },
        ticks: { show: false },
        size: 64,
        values: (_u, ticks) => ticks.map((v) => formatUsd(Math.round(v * 1e9))),
      },
    ],
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    legend: { live: true },
  };
}

export function SpendChart({ stack, caption }: { stack: StackedDaily; caption: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || stack.models.length === 0) return;
    const xs = stack.days.map((d) => dayStartMs(d) / 1000);
    const ys = cumulativeUsd(stack).reverse();
    const plot = new uPlot(options(stack, el.clientWidth || 600), [xs, ...ys], el);
    const resize = new ResizeObserver(() => {
      if (el.clientWidth > 0 && el.clientWidth !== plot.width) plot.setSize({ width: el.clientWidth, height: HEIGHT });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [stack]);

  if (stack.models.length === 0) {
    return html`<p class="empty">No spend in this range.</p>`;
  }
  return html`<figure class="chart">
    <figcaption class="sr-only">${caption}: ${formatUsd(stack.totalNano)} in total</figcaption>
    <div class="chart-box" ref=${box} aria-hidden="true" data-testid="spend-chart"></div>
    <details class="chart-table">
      <summary>Show as table</summary>
      <div class="table-scroll" tabindex="0" role="region" aria-label=${`${caption} as a table`}>
        <table class="table table-compact">
          <thead>
            <tr><th scope="col">Day (UTC)</th>${stack.models.map((m) => html`<th scope="col" class="num">${m.model}</th>`)}<th scope="col" class="num">Total</th></tr>
          </thead>
          <tbody>
            ${stack.days.map((d, i) => {
              const total = stack.models.reduce((s, m) => s + (m.costNano[i] ?? 0), 0);
              return html`<tr key=${d}>
                <th scope="row">${dayLabel(d)}</th>
                ${stack.models.map((m) => html`<td class="num">${formatUsd(m.costNano[i] ?? 0)}</td>`)}
                <td class="num">${formatUsd(total)}</td>
              </tr>`;
            })}
          </tbody>
        </table>
      </div>
    </details>
  </figure>`;
}
