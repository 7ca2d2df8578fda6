// What `floodwatch top` shows, as pure functions of the data and the terminal's size, and the
// formats of rates, durations and times that the other CLI tables share.
import type { Ban } from '../attacks/types.js';
import type { DirectionCounters, HostCounters, Metric, TrafficTotals } from '../engine/index.js';

/** A top-talkers row as GET /api/v1/hosts answers it. */
export interface HostRow extends HostCounters {
  hostgroup?: string;
}

export interface TopData {
  /** The API the data came from. */
  url: string;
  sort: Metric;
  totals: TrafficTotals;
  incoming: HostRow[];
  outgoing: HostRow[];
  bans: Ban[];
  /** When the data was fetched, ms since the epoch. */
  fetchedAt: number;
  /** Why the last refresh failed; the data is then the last that arrived. */
  error?: string;
}

export const SORT_KEYS: Record<string, Metric> = { p: 'pps', b: 'bps', f: 'flows' };
const SORT_NAMES: Record<Metric, string> = { pps: 'pps', bps: 'Mbit/s', flows: 'flows/s' };

// ---------------------------------------------------------------------------------------------
// Formats

/** Packets or flows per second: 0.25 under one, whole numbers up to a million, then 1.23M, 4.56G. */
export function formatCount(value: number): string {
  if (value > 0 && value < 0.995) return value.toFixed(2);
  if (value < 1e6) return String(Math.round(value));
  if (value < 1e9) return `${(value / 1e6).toFixed(2)}M`;
  return `${(value / 1e9).toFixed(2)}G`;
}

/** Bits per second as Mbit/s, two decimals up to 100 Gbit/s. */
export function formatMbps(bps: number): string {
  const mbps = bps / 1e6;
  return mbps < 100_000 ? mbps.toFixed(2) : String(Math.round(mbps));
}

/** 42s, 12m 05s, 3h 04m, 2d 03h; 'expired' for a time gone by. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return 'expired';
  const seconds = Math.ceil(ms / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${two(seconds % 60)}s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ${two(Math.floor(seconds / 60) % 60)}m`;
  return `${Math.floor(seconds / 86_400)}d ${two(Math.floor(seconds / 3600) % 24)}h`;
}

/** An ISO 8601 time (or ms since the epoch) in the local time zone: 2024-05-01 14:03:59. */
/**
 * The one time format of the human output: local time with its offset, `2026-12-06 05:27:18 +01:00`
 * (JSON output keeps the API's RFC 3339 UTC).
 */
export function formatTimestamp(time: string | number): string {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return String(time);
  const two = (n: number) => String(n).padStart(2, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  return (
    `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ` +
    `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ` +
    `${sign}${two(Math.floor(Math.abs(offset) / 60))}:${two(Math.abs(offset) % 60)}`
  );
}

/** Cuts `text` to `width` columns, keeping its start and its end: 2001:db8:…:1:20. */
export function truncateMiddle(text: string, width: number): string {
  if (text.length <= width) return text;
  if (width <= 1) return text.slice(0, width);
  const tail = Math.floor((width - 1) / 2);
  return `${text.slice(0, width - 1 - tail)}…${text.slice(text.length - tail)}`;
}

/**
 * Cuts an address to `width` columns: an IPv6 address at group boundaries, keeping its first
 * and last groups (2001:db8:85a3:…:370:7334), anything else in the middle.
 */
export function truncateAddress(address: string, width: number): string {
  if (address.length <= width || !address.includes(':')) return truncateMiddle(address, width);
  const groups = address.split(':');
  let head = 1;
  let tail = 1;
  const text = (h: number, t: number) => `${groups.slice(0, h).join(':')}:…:${groups.slice(groups.length - t).join(':')}`;
  if (text(head, tail).length > width) return truncateMiddle(address, width);
  for (;;) {
    if (head + tail >= groups.length) break;
    if (head <= tail && text(head + 1, tail).length <= width) head++;
    else if (text(head, tail + 1).length <= width) tail++;
    else if (text(head + 1, tail).length <= width) head++;
    else break;
  }
  return text(head, tail);
}

/** Cuts `text` to `width` columns at its end. */
export function truncateEnd(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

/** 'manual' or 'attack', and the comment when there is one. */
export function banReason(ban: Ban): string {
  const kind = ban.manual ? 'manual' : 'attack';
  return ban.comment ? `${kind}: ${ban.comment}` : kind;
}

// ---------------------------------------------------------------------------------------------
// Columns

interface Column {
  title: string;
  /** Fixed width; the one column without it takes the space left. */
  width?: number;
  align: 'left' | 'right';
  /** How a cell too long for the column is cut. */
  cut?: (text: string, width: number) => string;
}

function columnWidths(columns: Column[], total: number): number[] {
  const fixed = columns.reduce((sum, c) => sum + (c.width ?? 0), 0) + 2 * (columns.length - 1);
  return columns.map((c) => c.width ?? Math.max(total - fixed, 4));
}

function row(columns: Column[], widths: number[], cells: string[]): string {
  return cells
    .slice(0, columns.length)
    .map((cell, i) => {
      const column = columns[i]!;
      const fitted = (column.cut ?? truncateEnd)(cell, widths[i]!);
      return column.align === 'right' ? fitted.padStart(widths[i]!) : fitted.padEnd(widths[i]!);
    })
    .join('  ')
    .trimEnd();
}

// ---------------------------------------------------------------------------------------------
// The screen

/** The lines of every screen: the title, the totals (3), the three section headings, the key help. */
const FIXED_LINES = 8;

/** The screen for a terminal of `width` columns and `height` lines: at most `height` lines, none wider than `width`. */
export function renderTopScreen(data: TopData, width: number, height: number): string {
  const lines: string[] = [titleLine(data, width), ...totalsLines(data.totals, width)];
  const free = Math.max(height - FIXED_LINES, 3);
  const spacing = free >= 12 ? 3 : 0;
  const [incomingRows, outgoingRows, banRows] = shareRows(
    [Math.max(data.incoming.length, 1), Math.max(data.outgoing.length, 1), data.bans.length],
    free - spacing,
  );
  const gap = () => (spacing > 0 ? [''] : []);
  lines.push(...gap(), ...hostLines('INCOMING', data.sort, data.incoming, incomingRows!, width));
  lines.push(...gap(), ...hostLines('OUTGOING', data.sort, data.outgoing, outgoingRows!, width));
  lines.push(...gap(), ...banLines(data.bans, banRows!, data.fetchedAt, width));
  // On a terminal too short for everything, the key help still shows.
  const screen = [...lines.slice(0, Math.max(height - 1, 0)), footerLine(data, width)].slice(-Math.max(height, 1));
  return screen.map((line) => truncateEnd(line, width)).join('\n');
}

/** Rows for each section, given what each would fill: equal shares, the unused ones passed on. */
export function shareRows(wanted: number[], total: number): number[] {
  const given = wanted.map(() => 0);
  let left = total;
  while (left > 0 && given.some((n, i) => n < wanted[i]!)) {
    for (let i = 0; i < wanted.length && left > 0; i++) {
      if (given[i]! < wanted[i]!) {
        given[i]!++;
        left--;
      }
    }
  }
  return given;
}

function titleLine(data: TopData, width: number): string {
  const clock = formatTimestamp(data.fetchedAt).slice(11, 19);
  const left = `floodwatch top  ${data.url}`;
  const room = width - clock.length - 1;
  return room > 10 ? `${truncateEnd(left, room).padEnd(room)} ${clock}` : left;
}

const TOTAL_COLUMNS: Column[] = [
  { title: 'TOTAL', width: 8, align: 'left' },
  { title: 'pps', width: 10, align: 'right' },
  { title: 'Mbit/s', width: 10, align: 'right' },
  { title: 'flows/s', width: 9, align: 'right' },
];

function totalsLines(totals: TrafficTotals, width: number): string[] {
  const widths = TOTAL_COLUMNS.map((c) => c.width!);
  const line = (name: string, d: DirectionCounters) => row(TOTAL_COLUMNS, widths, [name, ...rateCells(d)]);
  return [
    row(
      TOTAL_COLUMNS,
      widths,
      TOTAL_COLUMNS.map((c) => c.title),
    ),
    line('in', totals.incoming),
    line('out', totals.outgoing),
  ].map((text) => truncateEnd(text, width));
}

const rateCells = (d: DirectionCounters) => [formatCount(d.pps), formatMbps(d.bps), formatCount(d.flows)];

function hostColumns(title: string, width: number): Column[] {
  const columns: Column[] = [
    { title, align: 'left', cut: truncateAddress },
    { title: 'pps', width: 8, align: 'right' },
    { title: 'Mbit/s', width: 9, align: 'right' },
    { title: 'flows/s', width: 8, align: 'right' },
  ];
  // The hostgroup goes first when the terminal is narrow: the addresses and rates matter more.
  if (width >= 64) columns.push({ title: 'hostgroup', width: 10, align: 'left' });
  return columns;
}

function hostLines(direction: 'INCOMING' | 'OUTGOING', sort: Metric, hosts: HostRow[], rows: number, width: number): string[] {
  const columns = hostColumns(`${direction} by ${SORT_NAMES[sort]}`, width);
  const widths = columnWidths(columns, width);
  const lines = [
    row(
      columns,
      widths,
      columns.map((c) => c.title),
    ),
  ];
  if (hosts.length === 0) return rows > 0 ? [...lines, '  no traffic'] : lines;
  const key = direction === 'INCOMING' ? 'incoming' : 'outgoing';
  for (const host of hosts.slice(0, rows)) {
    lines.push(row(columns, widths, [host.ip, ...rateCells(host[key]), host.hostgroup ?? '']));
  }
  return lines;
}

/** The widest IPv6 address, written as RFC 5952 writes it. */
const LONGEST_ADDRESS = 39;

function banColumns(bans: Ban[]): Column[] {
  const ipWidth = Math.min(Math.max(15, ...bans.map((ban) => ban.ip.length)), LONGEST_ADDRESS);
  return [
    { title: `BANS ${bans.length}`, width: ipWidth, align: 'left', cut: truncateAddress },
    { title: 'direction', width: 9, align: 'left' },
    { title: 'expires in', width: 10, align: 'left' },
    { title: 'reason', align: 'left' },
  ];
}

function banLines(bans: Ban[], rows: number, now: number, width: number): string[] {
  if (bans.length === 0) return ['BANS  none'];
  const columns = banColumns(bans);
  const widths = columnWidths(columns, width);
  const lines = [
    row(
      columns,
      widths,
      columns.map((c) => c.title),
    ),
  ];
  const hidden = bans.length - rows;
  const shown = hidden > 0 ? bans.slice(0, Math.max(rows - 1, 0)) : bans;
  for (const ban of shown) {
    lines.push(row(columns, widths, [ban.ip, ban.direction, formatDuration(Date.parse(ban.expires_at) - now), banReason(ban)]));
  }
  if (hidden > 0) lines.push(`  … ${bans.length - shown.length} more: floodwatch bans`);
  return lines;
}

function footerLine(data: TopData, width: number): string {
  if (!data.error) return 'sort: p pps  b Mbit/s  f flows/s    q quit';
  const full = `! ${data.error}, retrying`;
  // The advice in parentheses goes first when the line is too long: the failure matters more.
  const short = `! ${data.error.replace(/ \(.*\)$/s, '')}, retrying`;
  return truncateEnd(full.length <= width ? full : short, width);
}
