// Small inline SVG charts over a time axis (no chart library): lines (with gaps where samples are missing) and stacked
// bars, with labelled axes. Colours come from CSS classes (app.css), so the charts follow the light and dark themes.
// Every label is set as text (`textContent`), never as markup.

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 600;
const HEIGHT = 180;
const PLOT = { left: 48, right: 10, top: 10, bottom: 34 };

/**
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {...(Element | string)} children
 * @returns {SVGElement}
 */
function s(tag, attrs = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, String(value));
  for (const child of children) element.append(child);
  return element;
}

/**
 * A round top for a y axis of counts: the smallest 2, 4, 6, 8 or 10 × 10^n at or above `value` (at least 2), so that
 * the middle tick is a whole number too. @param {number} value
 */
export function niceMax(value) {
  if (!(value > 2)) return 2;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [2, 4, 6, 8, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** @param {number} ms */
function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/**
 * The frame of a chart: an `<svg role="img">` titled `label`, its y axis from 0 to `yMax` (three ticks, formatted by
 * `yFormat`) with `yTitle`, and its x axis from `from` to `to` (times at both ends and the middle).
 * @param {{ label: string, yTitle: string, yMax: number, yFormat: (v: number) => string, from: number, to: number }} frame
 */
function chartFrame(frame) {
  const w = WIDTH - PLOT.left - PLOT.right;
  const h = HEIGHT - PLOT.top - PLOT.bottom;
  const svg = s('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', class: 'chart', 'aria-label': frame.label });
  svg.append(s('title', {}, frame.label));
  const axes = s('g', { class: 'axis' });
  for (const fraction of [0, 0.5, 1]) {
    const y = PLOT.top + h - fraction * h;
    axes.append(
      s('line', { class: fraction === 0 ? 'baseline' : 'grid', x1: PLOT.left, x2: PLOT.left + w, y1: y, y2: y }),
      s('text', { class: 'tick y-tick', x: PLOT.left - 6, y: y + 4, 'text-anchor': 'end' }, frame.yFormat(frame.yMax * fraction)));
  }
  const span = frame.to - frame.from;
  for (const [fraction, anchor] of /** @type {const} */ ([[0, 'start'], [0.5, 'middle'], [1, 'end']])) {
    axes.append(s('text', { class: 'tick x-tick', x: PLOT.left + fraction * w, y: PLOT.top + h + 14, 'text-anchor': anchor }, clock(frame.from + fraction * span)));
  }
  axes.append(
    s('text', { class: 'axis-title', x: PLOT.left + w / 2, y: HEIGHT - 3, 'text-anchor': 'middle' }, 'time'),
    s('text', { class: 'axis-title', x: 11, y: PLOT.top + h / 2, 'text-anchor': 'middle', transform: `rotate(-90 11 ${PLOT.top + h / 2})` }, frame.yTitle));
  svg.append(axes);
  return {
    svg,
    /** @param {number} t */
    x: (t) => PLOT.left + ((t - frame.from) / (span || 1)) * w,
    /** @param {number} v */
    y: (v) => PLOT.top + h - (Math.min(v, frame.yMax) / frame.yMax) * h,
    width: w,
  };
}

/**
 * A line chart over time: one path per series, broken where two points are more than `gapMs` apart (nothing was
 * sampled in between); a lone point is drawn as a dot.
 * @param {{ label: string, yTitle: string, from: number, to: number, gapMs: number, yFormat?: (v: number) => string, yMax?: number,
 *   series: Array<{ name: string, cls: string, points: Array<{ t: number, v: number }> }> }} chart
 */
export function lineChart(chart) {
  const yFormat = chart.yFormat ?? ((v) => String(Math.round(v)));
  const highest = Math.max(0, ...chart.series.flatMap((line) => line.points.map((p) => p.v)));
  const frame = chartFrame({ label: chart.label, yTitle: chart.yTitle, yMax: chart.yMax ?? niceMax(highest), yFormat, from: chart.from, to: chart.to });
  for (const line of chart.series) {
    const group = s('g', { class: `series ${line.cls}`, 'data-series': line.name });
    /** @type {Array<Array<{ t: number, v: number }>>} */
    const runs = [];
    for (const point of line.points) {
      const run = runs.at(-1);
      const last = run?.at(-1);
      if (run === undefined || last === undefined || point.t - last.t > chart.gapMs) runs.push([point]);
      else run.push(point);
    }
    for (const run of runs) {
      const first = run[0];
      if (run.length === 1 && first !== undefined) {
        group.append(s('circle', { cx: frame.x(first.t), cy: frame.y(first.v), r: 2.5 }, s('title', {}, `${line.name}: ${yFormat(first.v)} at ${clock(first.t)}`)));
      } else {
        const d = run.map((p, i) => `${i === 0 ? 'M' : 'L'}${frame.x(p.t).toFixed(1)},${frame.y(p.v).toFixed(1)}`).join(' ');
        group.append(s('path', { d }, s('title', {}, `${line.name}: ${run.length} samples`)));
      }
    }
    frame.svg.append(group);
  }
  return frame.svg;
}

/**
 * Stacked bars over time: one column per bucket of `bucketMs` from its `t`, its values stacked in order (a rect per
 * non-zero value, titled with its name, value and time).
 * @param {{ label: string, yTitle: string, from: number, to: number, bucketMs: number, yFormat?: (v: number) => string, yMax?: number,
 *   bars: Array<{ t: number, values: Array<{ name: string, cls: string, v: number }> }> }} chart
 */
export function barChart(chart) {
  const yFormat = chart.yFormat ?? ((v) => String(Math.round(v)));
  const highest = Math.max(0, ...chart.bars.map((bar) => bar.values.reduce((sum, value) => sum + value.v, 0)));
  const frame = chartFrame({ label: chart.label, yTitle: chart.yTitle, yMax: chart.yMax ?? niceMax(highest), yFormat, from: chart.from, to: chart.to });
  const bars = s('g', { class: 'bars' });
  for (const bar of chart.bars) {
    const x = frame.x(bar.t);
    const width = Math.max(1, frame.x(bar.t + chart.bucketMs) - x - 1);
    let base = 0;
    for (const value of bar.values) {
      if (value.v <= 0) continue;
      const top = frame.y(base + value.v);
      const bottom = frame.y(base);
      bars.append(s('rect', { class: value.cls, 'data-series': value.name, x: x.toFixed(1), y: top.toFixed(1), width: width.toFixed(1), height: Math.max(0.5, bottom - top).toFixed(1) },
        s('title', {}, `${value.name}: ${yFormat(value.v)} from ${clock(bar.t)}`)));
      base += value.v;
    }
  }
  frame.svg.append(bars);
  return frame.svg;
}

/**
 * A legend for a chart's series: a swatch (by CSS class) and the name of each.
 * @param {Array<{ name: string, cls: string }>} series
 */
export function chartLegend(series) {
  const legend = document.createElement('div');
  legend.className = 'chart-legend';
  legend.setAttribute('aria-hidden', 'true');
  for (const { name, cls } of series) {
    const item = document.createElement('span');
    item.className = cls;
    item.textContent = name;
    legend.append(item);
  }
  return legend;
}
