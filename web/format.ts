// Figures as people read them: SI prefixes, durations, times.
const PREFIXES = ['', 'k', 'M', 'G', 'T', 'P'];

/** 1234567 → "1.23 M"; below 1000, up to one decimal. */
export function si(value: number): string {
  if (!Number.isFinite(value)) return '–';
  let scaled = Math.abs(value);
  let i = 0;
  while (scaled >= 1000 && i < PREFIXES.length - 1) {
    scaled /= 1000;
    i++;
  }
  const sign = value < 0 ? '-' : '';
  const digits = i === 0 ? (scaled >= 100 || Number.isInteger(scaled) ? 0 : 1) : scaled >= 100 ? 0 : scaled >= 10 ? 1 : 2;
  return `${sign}${scaled.toFixed(digits)} ${PREFIXES[i]}`.trimEnd();
}

/** A figure with its unit: "1.23 Mpps", "120 pps". */
const withUnit = (unit: string) => (value: number) => {
  const text = si(value);
  return /[a-zA-Z]$/.test(text) ? `${text}${unit}` : `${text} ${unit}`;
};

export const pps = withUnit('pps');
export const bps = withUnit('bit/s');
export const flows = withUnit('flows/s');

export const METRIC_FORMAT = { pps, bps, flows } as const;

/** Seconds → "3 h 02 min", "45 s". */
export function duration(seconds: number): string {
  if (seconds <= 0) return 'expiring';
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export function time(iso: string | null): string {
  if (!iso) return '–';
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString() : date.toLocaleString();
}

export const attackType = (type: string) => type.replace(/_/g, ' ');

/** {pps: 5000, tcp_syn: {pps: 1000}} → "pps 5000, tcp_syn pps 1000"; "none" when empty. */
export function limits(config: object, prefix = ''): string {
  const parts = Object.entries(config).flatMap(([key, value]) =>
    value !== null && typeof value === 'object' ? [limits(value as object, `${prefix}${key} `)] : [`${prefix}${key} ${String(value)}`],
  );
  return parts.filter((p) => p && p !== 'none').join(', ') || 'none';
}
