// Lag over time as inline SVG (no chart library, no CDN): one polyline per standby, bytes on the y axis.
import { formatBytes, formatSeconds } from '../src/shared/format';
import type { LagSample } from '../src/shared/protocol';

const SVG = 'http://www.w3.org/2000/svg';
const W = 600;
const H = 140;
const PAD = { left: 54, right: 8, top: 8, bottom: 18 };

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** Bytes when any sample has them, else replay-lag seconds. */
function metricOf(history: Readonly<Record<string, readonly LagSample[]>>): 'bytes' | 'seconds' {
  return Object.values(history).some((s) => s.some((x) => x.bytes !== undefined)) ? 'bytes' : 'seconds';
}

export function renderLagChart(history: Readonly<Record<string, readonly LagSample[]>>): HTMLElement {
  const box = document.createElement('div');
  box.className = 'chart';
  const series = Object.entries(history).filter(([, s]) => s.length > 0);
  if (series.length === 0) {
    box.append(Object.assign(document.createElement('p'), { className: 'muted', textContent: 'No lag samples yet (standbys report lag once streaming).' }));
    return box;
  }
  const metric = metricOf(history);
  const value = (x: LagSample): number => (metric === 'bytes' ? x.bytes : x.seconds) ?? 0;
  const all = series.flatMap(([, s]) => s);
  const t0 = Math.min(...all.map((x) => x.t));
  const t1 = Math.max(...all.map((x) => x.t), t0 + 1000);
  const vmax = Math.max(...all.map(value), metric === 'bytes' ? 1024 : 1);
  const x = (t: number): number => PAD.left + ((t - t0) / (t1 - t0)) * (W - PAD.left - PAD.right);
  const y = (v: number): number => H - PAD.bottom - (v / vmax) * (H - PAD.top - PAD.bottom);
  const fmt = metric === 'bytes' ? formatBytes : formatSeconds;

  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `Replication lag (${metric}) over time` });
  svg.append(
    el('line', { class: 'axis', x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: H - PAD.bottom }),
    el('line', { class: 'axis', x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom }),
  );
  const label = (text: string, attrs: Record<string, string | number>): void => {
    const t = el('text', attrs);
    t.textContent = text;
    svg.append(t);
  };
  label(fmt(vmax), { x: PAD.left - 4, y: PAD.top + 8, 'text-anchor': 'end' });
  label(fmt(0), { x: PAD.left - 4, y: H - PAD.bottom, 'text-anchor': 'end' });
  label(new Date(t0).toLocaleTimeString(), { x: PAD.left, y: H - 4 });
  label(new Date(t1).toLocaleTimeString(), { x: W - PAD.right, y: H - 4, 'text-anchor': 'end' });

  const legend = document.createElement('div');
  legend.className = 'legend';
  series.forEach(([node, samples], i) => {
    const cls = `series-${i % 4}`;
    const points = samples.map((s) => `${x(s.t).toFixed(1)},${y(value(s)).toFixed(1)}`).join(' ');
    svg.append(el(samples.length > 1 ? 'polyline' : 'circle',
      samples.length > 1 ? { class: cls, points } : { class: cls, cx: x(samples[0]!.t), cy: y(value(samples[0]!)), r: 2.5 }));
    const last = samples[samples.length - 1]!;
    legend.append(Object.assign(document.createElement('span'), { className: cls, textContent: `■ ${node}: ${fmt(value(last))}` }));
  });
  box.append(svg, legend);
  return box;
}
