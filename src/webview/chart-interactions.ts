// What people expect from a chart, for the panels' uPlot charts (Grafana's behaviour): hovering shows the
// time and every series' value at the cursor (tooltip mode "All"); clicking a legend entry hides or shows
// its series, Ctrl/Alt/Cmd-click isolates it (click again to show all); dragging across the plot zooms into
// that time range and a double-click resets it. uPlot has the cursor, series toggling and zoom built in; this
// turns them on and draws the tooltip with the editor's colours.
import type uPlot from 'uplot';

/** Cursor options: drag-to-zoom on x, no point markers. */
export function interactiveCursor(): uPlot.Cursor {
  return { points: { show: false }, drag: { x: true, y: false, setScale: true } };
}

/**
 * A uPlot plugin drawing the hover tooltip: the time at the cursor and each shown series' formatted value,
 * highest first (as Grafana sorts "All" tooltips). `format` formats a series' value.
 */
export function tooltipPlugin(format: (seriesIndex: number, v: number | null) => string, timeText: (epochSeconds: number) => string = (t) => new Date(t * 1000).toLocaleTimeString()): uPlot.Plugin {
  let tip: HTMLDivElement | undefined;
  return {
    hooks: {
      init: (u) => {
        tip = document.createElement('div');
        tip.className = 'chart-tooltip';
        tip.hidden = true;
        u.over.append(tip);
        u.over.addEventListener('mouseleave', () => tip && (tip.hidden = true));
      },
      setCursor: (u) => {
        if (!tip) return;
        const i = u.cursor.idx;
        if (i === null || i === undefined || u.cursor.left === undefined || u.cursor.left < 0) {
          tip.hidden = true;
          return;
        }
        const rows = u.series
          .map((s, si) => ({ s, si, v: si === 0 ? null : (u.data[si]?.[i] ?? null) }))
          .filter((r) => r.si > 0 && r.s.show !== false)
          .sort((a, b) => (b.v ?? -Infinity) - (a.v ?? -Infinity));
        const color = (s: uPlot.Series) => (typeof s.stroke === 'function' ? '' : String(s.stroke ?? ''));
        // Built with DOM calls, not markup: the panel's CSP allows no inline style attributes.
        const div = (cls: string, text?: string) => {
          const d = document.createElement(cls === 'swatch' ? 'span' : 'div');
          d.className = cls;
          if (text !== undefined) d.textContent = text;
          return d;
        };
        const children: HTMLElement[] = [div('chart-tooltip-time', timeText(u.data[0][i] as number))];
        for (const r of rows) {
          const row = div('chart-tooltip-row');
          const sw = div('swatch');
          sw.style.backgroundColor = color(r.s);
          const name = div('chart-tooltip-name', String(r.s.label ?? ''));
          const value = div('chart-tooltip-value', format(r.si, r.v as number | null));
          row.append(sw, name, value);
          children.push(row);
        }
        tip.replaceChildren(...children);
        tip.hidden = false;
        // Keep the box inside the plot: flip to the left of the cursor past the middle.
        const left = u.cursor.left ?? 0;
        const top = u.cursor.top ?? 0;
        const w = tip.offsetWidth;
        tip.style.left = `${left > u.over.clientWidth / 2 ? Math.max(0, left - w - 12) : left + 12}px`;
        tip.style.top = `${Math.max(0, Math.min(top, u.over.clientHeight - tip.offsetHeight))}px`;
      },
    },
  };
}

/**
 * Makes legend rows toggle their series: a click hides/shows one; Ctrl/Alt/Cmd-click shows only that one
 * (or all again when it already is the only one). `rows[i]` is the legend row of series i + 1.
 */
export function legendToggles(u: () => uPlot | undefined, rows: readonly HTMLElement[]): void {
  rows.forEach((row, i) => {
    const si = i + 1;
    row.classList.add('legend-toggle');
    row.title = `${row.title ? `${row.title}\n` : ''}Click: hide or show · Ctrl/Alt-click: show only this one`;
    row.addEventListener('click', (e) => {
      const plot = u();
      if (!plot) return;
      if (e.ctrlKey || e.altKey || e.metaKey) {
        const onlyThis = plot.series.every((s, j) => j === 0 || (j === si ? s.show !== false : s.show === false));
        plot.batch(() => plot.series.forEach((_s, j) => j > 0 && plot.setSeries(j, { show: onlyThis || j === si })));
      } else {
        plot.setSeries(si, { show: plot.series[si]?.show === false });
      }
      rows.forEach((r, k) => r.classList.toggle('legend-hidden', plot.series[k + 1]?.show === false));
    });
  });
}

/** A fault on the timeline: where it is on the x axis (the chart's own units) and what it hit. */
export interface ChartMarker {
  x: number;
  label: string;
  detail: string;
  kind?: 'kill' | 'breach';
}

/** The text a marker's hover shows: what happened, then what it hit. */
export function markerTitle(m: Pick<ChartMarker, 'label' | 'detail'>): string {
  return m.detail ? `${m.label}\n${m.detail}` : m.label;
}

/**
 * A uPlot plugin marking faults (kills, probe breaches) as dashed vertical lines across the plot, each with
 * a ◆ above it whose hover says what was hit. `markers` is read at every draw, so markers added while a run
 * goes on appear with the next redraw; those outside the visible x range (zoomed) are left out.
 */
export function markersPlugin(markers: () => readonly ChartMarker[], color: (m: ChartMarker) => string): uPlot.Plugin {
  let layer: HTMLDivElement | undefined;
  return {
    hooks: {
      init: (u) => {
        layer = document.createElement('div');
        layer.className = 'chart-markers';
        u.over.append(layer);
      },
      draw: (u) => {
        const { min, max } = u.scales.x;
        const shown = markers().filter((m) => min !== undefined && max !== undefined && m.x >= min && m.x <= max);
        const ctx = u.ctx;
        const { top, height } = u.bbox;
        ctx.save();
        ctx.lineWidth = Math.max(1, devicePixelRatio);
        ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
        for (const m of shown) {
          const x = Math.round(u.valToPos(m.x, 'x', true));
          ctx.strokeStyle = color(m);
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
        }
        ctx.restore();
        if (!layer) return;
        // DOM calls, not markup: the panels' CSP allows no inline style attributes (CSSOM is allowed).
        layer.replaceChildren(
          ...shown.map((m) => {
            const d = document.createElement('div');
            d.className = `chart-marker${m.kind === 'breach' ? ' breach' : ''}`;
            d.textContent = '◆';
            d.title = markerTitle(m);
            d.setAttribute('role', 'img');
            d.setAttribute('aria-label', markerTitle(m).replace(/\n/g, ': '));
            d.style.left = `${u.valToPos(m.x, 'x')}px`;
            return d;
          }),
        );
      },
    },
  };
}
