/*
 * staff-charts.js — small inline SVG charts for the staff pages, built with DOM APIs
 * only (createElementNS, setAttribute, textContent; never innerHTML), so the strict
 * CSP holds and no label can become markup.
 *
 * Every chart is an <svg role="img"> with a <title> and a <desc> that states the
 * figures in words, and comes with a data table (dataTable()) for people who cannot
 * see it. Series differ by shape as well as colour: solid vs dashed lines, round vs
 * square markers, plain vs hatched bars; the colours come from staff.css classes.
 * Charts are drawn at the real width of their host (re-drawn on resize), so text in
 * them keeps its size at 320 px and at 200 % zoom.
 */
import { el, clear } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
let uid = 0;

function svgEl(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v != null) node.setAttribute(k, String(v));
  }
  if (text != null) node.textContent = String(text);
  return node;
}

/** Round tick steps for a maximum: 1, 2, 5 × 10^n, about `count` of them. */
export function niceTicks(max, count = 4) {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let v = 0; v <= max + step * 0.001; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/** The <svg> shell with title and desc; returns {svg, defs, id}. */
function shell(width, height, title, desc) {
  const id = `chart-${++uid}`;
  const svg = svgEl('svg', {
    width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`, class: 'chart-svg', focusable: 'false',
  });
  svg.append(svgEl('title', { id: `${id}-title` }, title), svgEl('desc', { id: `${id}-desc` }, desc));
  const defs = svgEl('defs');
  const hatch = svgEl('pattern', {
    id: `${id}-hatch`, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)',
  });
  hatch.append(svgEl('rect', { width: 6, height: 6, class: 'hatch-bg' }), svgEl('line', { x1: 0, y1: 0, x2: 0, y2: 6, class: 'hatch-line' }));
  defs.append(hatch);
  svg.append(defs);
  return { svg, id };
}

/**
 * Vertical chart over labelled points (days): bars or lines.
 * spec: {kind: 'bar'|'line', title, desc, labels: [..], series: [{name, values, cls,
 * style: 'solid'|'hatched'|'dashed', marker: 'circle'|'square'}], yMax?, yFormat(v),
 * height?}
 */
function drawColumns(host, spec) {
  const width = Math.max(260, Math.floor(host.clientWidth || 320));
  const height = spec.height || 220;
  const left = 52;
  const right = 12;
  const top = 14;
  const bottom = 34;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const { svg, id } = shell(width, height, spec.title, spec.desc);
  const n = spec.labels.length;
  const all = spec.series.flatMap((s) => s.values).filter((v) => v != null && Number.isFinite(v));
  const dataMax = all.length ? Math.max(...all) : 0;
  const ticks = spec.yMax != null ? niceTicks(spec.yMax, 4) : niceTicks(dataMax || 1, 4);
  const yMax = ticks[ticks.length - 1] || 1;
  const y = (v) => top + plotH - (v / yMax) * plotH;

  const grid = svgEl('g', { class: 'chart-gridlines' });
  for (const tv of ticks) {
    grid.append(svgEl('line', { x1: left, x2: width - right, y1: y(tv), y2: y(tv) }));
    grid.append(svgEl('text', { x: left - 6, y: y(tv) + 4, 'text-anchor': 'end', class: 'chart-tick' }, spec.yFormat(tv)));
  }
  svg.append(grid);

  const slot = n > 0 ? plotW / n : plotW;
  const every = Math.max(1, Math.ceil(56 / slot));
  const xs = svgEl('g', { class: 'chart-x' });
  spec.labels.forEach((label, i) => {
    if (i % every !== 0 && i !== n - 1) return;
    if (i === n - 1 && i % every !== 0 && (i % every) < every / 2) return; // no crowding at the end
    xs.append(svgEl('text', { x: left + slot * (i + 0.5), y: height - bottom + 18, 'text-anchor': 'middle', class: 'chart-tick' }, label));
  });
  svg.append(xs);
  svg.append(svgEl('line', { x1: left, x2: width - right, y1: y(0), y2: y(0), class: 'chart-axis' }));

  if (spec.kind === 'bar') {
    const k = spec.series.length;
    const bw = Math.max(2, (slot * 0.72) / k);
    spec.series.forEach((s, si) => {
      const g = svgEl('g', { class: `chart-series ${s.cls || ''}` });
      s.values.forEach((v, i) => {
        const x = left + slot * i + (slot - bw * k) / 2 + bw * si;
        if (v == null || !Number.isFinite(v)) {
          g.append(svgEl('line', { x1: x, x2: x + bw, y1: y(0) - 2, y2: y(0) - 2, class: 'chart-nodata' }));
          return;
        }
        const h = Math.max(v > 0 ? 1 : 0, y(0) - y(v));
        const rect = svgEl('rect', { x, y: y(0) - h, width: bw, height: h, class: 'chart-bar' });
        if (s.style === 'hatched') rect.setAttribute('fill', `url(#${id}-hatch)`);
        g.append(rect);
      });
      svg.append(g);
    });
  } else {
    spec.series.forEach((s) => {
      const g = svgEl('g', { class: `chart-series ${s.cls || ''}` });
      let d = '';
      let pen = false;
      s.values.forEach((v, i) => {
        if (v == null || !Number.isFinite(v)) {
          pen = false;
          return;
        }
        const px = left + slot * (i + 0.5);
        d += `${pen ? 'L' : 'M'}${px.toFixed(1)} ${y(v).toFixed(1)} `;
        pen = true;
      });
      if (d) g.append(svgEl('path', { d: d.trim(), class: `chart-line${s.style === 'dashed' ? ' chart-dashed' : ''}` }));
      s.values.forEach((v, i) => {
        if (v == null || !Number.isFinite(v)) return;
        const px = left + slot * (i + 0.5);
        if (s.marker === 'square') g.append(svgEl('rect', { x: px - 3.5, y: y(v) - 3.5, width: 7, height: 7, class: 'chart-marker' }));
        else g.append(svgEl('circle', { cx: px, cy: y(v), r: 3.5, class: 'chart-marker' }));
      });
      svg.append(g);
    });
  }
  return svg;
}

/**
 * Horizontal bars, one row per label with its value written at the end.
 * spec: {title, desc, rows: [{label, value, cls?}], valueFormat(v)}
 */
function drawRows(host, spec) {
  const width = Math.max(260, Math.floor(host.clientWidth || 320));
  const rowH = 30;
  const labelW = Math.min(130, Math.floor(width * 0.38));
  const right = 44;
  const height = spec.rows.length * rowH + 8;
  const { svg } = shell(width, height, spec.title, spec.desc);
  const max = Math.max(1, ...spec.rows.map((r) => r.value || 0));
  const plotW = width - labelW - right;
  spec.rows.forEach((r, i) => {
    const yy = 4 + i * rowH;
    const g = svgEl('g', { class: `chart-series ${r.cls || ''}` });
    g.append(svgEl('text', { x: labelW - 8, y: yy + rowH / 2 + 4, 'text-anchor': 'end', class: 'chart-label' }, r.label));
    const w = r.value > 0 ? Math.max(2, (r.value / max) * plotW) : 0;
    g.append(svgEl('rect', { x: labelW, y: yy + 5, width: w, height: rowH - 10, class: 'chart-bar' }));
    g.append(svgEl('text', { x: labelW + w + 6, y: yy + rowH / 2 + 4, class: 'chart-value' }, spec.valueFormat(r.value)));
    svg.append(g);
  });
  svg.append(svgEl('line', { x1: labelW, x2: labelW, y1: 2, y2: height - 2, class: 'chart-axis' }));
  return svg;
}

const drawn = new WeakMap(); // host -> spec
let observer = null;

function paint(host) {
  const spec = drawn.get(host);
  if (!spec) return;
  clear(host);
  if (spec.empty) {
    host.append(el('p', { class: 'chart-empty', text: spec.empty }));
    return;
  }
  host.append(spec.kind === 'rows' ? drawRows(host, spec) : drawColumns(host, spec));
}

/** Draws (and keeps re-drawing on resize) a chart in `host`. spec.kind: bar | line | rows. */
export function drawChart(host, spec) {
  drawn.set(host, spec);
  if (!observer && typeof ResizeObserver === 'function') {
    let last = new WeakMap();
    observer = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const w = Math.floor(entry.contentRect.width);
        if (last.get(entry.target) === w) continue;
        last.set(entry.target, w);
        paint(entry.target);
      }
    });
  }
  if (observer) observer.observe(host);
  paint(host);
}

/**
 * A plain data table: `caption`, `head` (column titles), `rows` (arrays of cell
 * text; the first cell of a row is its header).
 */
export function dataTable(caption, head, rows) {
  const table = el('table', { class: 'data-table' });
  table.append(el('caption', { text: caption }));
  const thead = el('thead');
  thead.append(el('tr', {}, ...head.map((h) => el('th', { text: h, attrs: { scope: 'col' } }))));
  const tbody = el('tbody');
  for (const row of rows) {
    tbody.append(el('tr', {}, ...row.map((cell, i) => el(i === 0 ? 'th' : 'td', { text: cell, attrs: i === 0 ? { scope: 'row' } : {} }))));
  }
  table.append(thead, tbody);
  return el('div', { class: 'table-scroll', attrs: { tabindex: '0', role: 'region', 'aria-label': caption } }, table);
}
