// A strict reader of the Prometheus text exposition format (0.0.4): every line must be a
// comment, a HELP or TYPE line, or a sample; anything else throws.

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  help?: string;
  type?: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: -?\\d+)?$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string) => families.get(name) ?? families.set(name, { samples: [] }).get(name)!;
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const meta = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
    if (meta) {
      if (meta[1] === 'HELP') family(meta[2]!).help = meta[3];
      else family(meta[2]!).type = meta[3];
      return;
    }
    if (line.startsWith('#')) return;
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`line ${i + 1} is not Prometheus text: ${line}`);
    const value = Number(sample[3]);
    // prom-client writes NaN as 'Nan' (an event loop lag with no sample yet); Prometheus reads it case-insensitively too.
    if (Number.isNaN(value) && !/^nan$/i.test(sample[3]!)) throw new Error(`line ${i + 1}: '${sample[3]}' is not a number`);
    family(sample[1]!).samples.push({ labels: parseLabels(sample[2] ?? '', i + 1), value });
  });
  return families;
}

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const start = LABEL.lastIndex;
    const label = LABEL.exec(text);
    if (!label) throw new Error(`line ${line}: bad labels at '${text.slice(start)}'`);
    labels[label[1]!] = label[2]!;
  }
  return labels;
}

/** The value of the one sample of `name` whose labels include `labels`. */
export function valueOf(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  return families.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
