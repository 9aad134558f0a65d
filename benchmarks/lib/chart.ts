/**
 * Benchmark ratios as an SVG bar chart: one group per scenario, one horizontal bar per server,
 * a line at 1.0× and a mark at each target. Self-contained (no fonts, scripts or styles from
 * outside) and drawn on its own light background, so it reads the same in GitHub's light and
 * dark themes.
 */

/** What the chart needs of a result row (benchmarks/run.ts's `Row` has these fields). */
export interface ChartRow {
  scenario: string;
  server: string;
  /** The bar's length; rows without a finite ratio are left out. */
  ratio?: number;
}

/** A bound one server's ratio should respect in one scenario: at most `max`, at least `min`. */
export interface ChartTarget {
  scenario: string;
  server: string;
  max?: number;
  min?: number;
}

export interface ChartOptions {
  title: string;
  /** A second line under the title (the run's date, machine, what the ratios compare). */
  subtitle?: string;
  targets?: ChartTarget[];
  /** Per scenario, what its ratios are relative to (shown in the group's heading). */
  references?: Record<string, string>;
}

/** Horizontal layout: server names, then the plot, then room for the value labels. */
interface Layout {
  width: number;
  labelRight: number;
  plotLeft: number;
  plotRight: number;
}
const PLOT_WIDTH = 480;
const VALUE_ROOM = 220;
/** Average advance of a 12 px sans-serif character, for sizing the name column. */
const CHAR_WIDTH = 6.6;
const BAR_HEIGHT = 16;
const BAR_GAP = 6;
const GROUP_HEADING = 26;
const GROUP_GAP = 12;
const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif";
const COLORS = { background: '#ffffff', border: '#d0d7de', text: '#1f2328', muted: '#59636e', grid: '#eaeef2', bar: '#4e79a7', met: '#2da44e', missed: '#cf222e', reference: '#1f2328', target: '#bc4c00' };

/**
 * Draws `rows` as an SVG document (a string to write to a `.svg` file).
 *
 * @example
 * ```ts
 * writeFileSync('ratios.svg', ratioChart(rows, {
 *   title: '100,000 WebSockets',
 *   targets: [{ scenario: 'memory per connection', server: 'Typhoon', max: 1.5 }],
 * }));
 * ```
 */
export function ratioChart(rows: readonly ChartRow[], options: ChartOptions): string {
  const drawn = rows.filter((row): row is ChartRow & { ratio: number } => typeof row.ratio === 'number' && Number.isFinite(row.ratio) && row.ratio > 0);
  const scenarios = [...new Set(drawn.map((row) => row.scenario))];
  const targets = options.targets ?? [];
  const labelRight = 16 + Math.min(380, Math.max(120, Math.ceil(Math.max(0, ...drawn.map((row) => row.server.length)) * CHAR_WIDTH)));
  const layout: Layout = { labelRight, plotLeft: labelRight + 16, plotRight: labelRight + 16 + PLOT_WIDTH, width: labelRight + 16 + PLOT_WIDTH + VALUE_ROOM };
  const scale = makeScale(layout, [...drawn.map((row) => row.ratio), ...targets.flatMap((target) => [target.max ?? 1, target.min ?? 1])]);
  const top = options.subtitle ? 64 : 46;
  const parts: string[] = [];
  let y = top + 8;
  for (const scenario of scenarios) {
    const reference = options.references?.[scenario];
    parts.push(text(16, y + 15, clip(`${scenario}${reference ? ` (ratio to ${reference})` : ''}`, Math.floor((layout.width - 32) / 7.4)), { weight: 600, size: 13 }));
    y += GROUP_HEADING;
    const top = y;
    const bars: string[] = [];
    for (const row of drawn.filter((candidate) => candidate.scenario === scenario)) {
      const target = targets.find((candidate) => candidate.scenario === scenario && candidate.server === row.server);
      bars.push(bar(layout, row, y, scale, target));
      y += BAR_HEIGHT + BAR_GAP;
    }
    // The 1.0× line runs through each group only, under its bars, never through a heading.
    const one = round(scale.x(1));
    parts.push(`<line x1="${one}" y1="${top - 4}" x2="${one}" y2="${y - BAR_GAP + 4}" stroke="${COLORS.reference}" stroke-width="1.5" stroke-dasharray="4 3"/>`, ...bars);
    y += GROUP_GAP;
  }
  const plotBottom = y;
  const height = plotBottom + 70;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${height}" viewBox="0 0 ${layout.width} ${height}" font-family="${FONT}" role="img" aria-label="${escape(options.title)}">`,
    `<rect x="0.5" y="0.5" width="${layout.width - 1}" height="${height - 1}" rx="6" fill="${COLORS.background}" stroke="${COLORS.border}"/>`,
    text(16, 26, options.title, { weight: 600, size: 16 }),
    options.subtitle ? text(16, 46, options.subtitle, { size: 12, fill: COLORS.muted }) : '',
    axis(scale, top, plotBottom),
    ...parts,
    legend(plotBottom + 46, targets.length > 0),
    '</svg>',
    '',
  ].join('\n');
}

interface Scale {
  x(value: number): number;
  ticks: number[];
}

/** Log scale when the ratios span more than 8×, else linear from 0; 1.0 is always on it. */
function makeScale({ plotLeft, plotRight }: Layout, values: number[]): Scale {
  const low = Math.min(1, ...values);
  const high = Math.max(1, ...values);
  if (high / low > 8) {
    const from = Math.log10(Math.min(0.5, low * 0.8));
    const to = Math.log10(high * 1.25);
    const x = (value: number) => plotLeft + ((Math.log10(Math.max(value, 10 ** from)) - from) / (to - from)) * (plotRight - plotLeft);
    const ticks: number[] = [];
    for (let decade = Math.floor(from); decade <= Math.ceil(to); decade++) {
      for (const step of [1, 2, 5]) {
        const tick = step * 10 ** decade;
        if (Math.log10(tick) >= from && Math.log10(tick) <= to) ticks.push(tick);
      }
    }
    return { x, ticks };
  }
  const top = niceCeiling(high * 1.1);
  const step = niceCeiling(top / 6);
  const x = (value: number) => plotLeft + (Math.max(0, value) / top) * (plotRight - plotLeft);
  const ticks: number[] = [];
  for (let tick = 0; tick <= top + step / 1000; tick += step) ticks.push(Number(tick.toFixed(6)));
  return { x, ticks };
}

/** The smallest of 1, 2, 2.5 or 5 × 10^n at or above `value`. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((step) => step * power).find((candidate) => candidate >= value) ?? 10 * power;
}

function axis(scale: Scale, top: number, bottom: number): string {
  const lines: string[] = [];
  for (const tick of scale.ticks) {
    const x = round(scale.x(tick));
    lines.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="${COLORS.grid}"/>`);
    lines.push(text(x, bottom + 16, `${Number(tick.toPrecision(3))}×`, { size: 11, fill: COLORS.muted, anchor: 'middle' }));
  }
  return lines.join('\n');
}

function bar(layout: Layout, row: ChartRow & { ratio: number }, y: number, scale: Scale, target: ChartTarget | undefined): string {
  // Bars start at the scale's left end: 0 on a linear scale, its lowest ratio on a log one.
  const left = layout.plotLeft;
  const end = scale.x(row.ratio);
  const met = target ? (target.max === undefined || row.ratio <= target.max) && (target.min === undefined || row.ratio >= target.min) : undefined;
  const fill = met === undefined ? COLORS.bar : met ? COLORS.met : COLORS.missed;
  const parts = [
    text(layout.labelRight, y + BAR_HEIGHT - 4, row.server, { size: 12, anchor: 'end' }),
    `<rect x="${round(left)}" y="${y}" width="${round(Math.max(1, end - left))}" height="${BAR_HEIGHT}" rx="2" fill="${fill}"><title>${escape(`${row.server}: ${formatRatio(row.ratio)}×`)}</title></rect>`,
  ];
  let label = `${formatRatio(row.ratio)}×`;
  for (const [bound, sign] of [[target?.max, '≤'], [target?.min, '≥']] as const) {
    if (bound === undefined) continue;
    const x = round(scale.x(bound));
    parts.push(`<line x1="${x}" y1="${y - 3}" x2="${x}" y2="${y + BAR_HEIGHT + 3}" stroke="${COLORS.target}" stroke-width="3"/>`);
    label += ` (target ${sign} ${Number(bound.toPrecision(3))}×: ${met ? 'met' : 'not met'})`;
  }
  const marks = [target?.max, target?.min].filter((bound): bound is number => bound !== undefined).map((bound) => scale.x(bound));
  parts.push(text(Math.max(end, ...marks) + 6, y + BAR_HEIGHT - 4, label, { size: 12, halo: true }));
  return parts.join('\n');
}

function legend(y: number, withTargets: boolean): string {
  const entries: Array<[string, string]> = [[COLORS.bar, 'ratio']];
  if (withTargets) entries.push([COLORS.met, 'target met'], [COLORS.missed, 'target not met']);
  const parts: string[] = [];
  let x = 16;
  for (const [color, label] of entries) {
    parts.push(`<rect x="${x}" y="${y - 10}" width="12" height="12" rx="2" fill="${color}"/>`, text(x + 18, y, label, { size: 12 }));
    x += 30 + label.length * 7;
  }
  parts.push(`<line x1="${x}" y1="${y - 4}" x2="${x + 22}" y2="${y - 4}" stroke="${COLORS.reference}" stroke-width="1.5" stroke-dasharray="4 3"/>`, text(x + 28, y, '1.0× (the reference)', { size: 12 }));
  x += 180;
  if (withTargets) parts.push(`<line x1="${x + 6}" y1="${y - 11}" x2="${x + 6}" y2="${y + 3}" stroke="${COLORS.target}" stroke-width="3"/>`, text(x + 16, y, 'target', { size: 12 }));
  return parts.join('\n');
}

/** A text element; `halo` outlines it in the background colour so lines under it do not cut through. */
function text(x: number, y: number, content: string, style: { size: number; weight?: number; fill?: string; anchor?: 'start' | 'middle' | 'end'; halo?: boolean }): string {
  const weight = style.weight ? ` font-weight="${style.weight}"` : '';
  const anchor = style.anchor && style.anchor !== 'start' ? ` text-anchor="${style.anchor}"` : '';
  const halo = style.halo ? ` stroke="${COLORS.background}" stroke-width="3" paint-order="stroke"` : '';
  return `<text x="${round(x)}" y="${round(y)}" font-size="${style.size}"${weight}${anchor}${halo} fill="${style.fill ?? COLORS.text}">${escape(content)}</text>`;
}

function formatRatio(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

function clip(value: string, length: number): string {
  return value.length <= length ? value : `${value.slice(0, length - 1)}…`;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function escape(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
