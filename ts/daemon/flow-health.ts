// Tells the operator when the flow decoders had to forget state to stay within their bounds:
// exporters evicted because the table was full (a spray of spoofed sources, or too small a
// `max_exporters`) and templates evicted to stay within `template_memory_bytes`. At most one
// line per kind and interval, with the count since the last one.
import type { Logger } from 'pino';
import type { FlowSourcesState } from '../engine/index.js';

/** How often the decoders' evictions are looked at, and so at most how often each is logged. */
export const FLOW_HEALTH_INTERVAL_MS = 10_000;

interface Eviction {
  read: (flow: FlowSourcesState) => number;
  message: string;
}

const EVICTIONS: Eviction[] = [
  {
    read: (flow) => flow.exporter_evictions_full,
    message:
      'flow exporters forgotten to make room: the exporter table is full (spoofed sources?); list your routers in sources.flow.allowed_exporters, or raise sources.flow.max_exporters',
  },
  {
    read: (flow) => flow.template_evictions,
    message:
      'NetFlow v9/IPFIX templates evicted to stay within sources.flow.template_memory_bytes (a template flood?); data sets of an evicted template wait for its next refresh',
  },
];

export class FlowHealth {
  readonly #seen: number[];

  constructor(
    private readonly log: Logger,
    initial: FlowSourcesState,
  ) {
    this.#seen = EVICTIONS.map(({ read }) => read(initial));
  }

  update(flow: FlowSourcesState): void {
    EVICTIONS.forEach(({ read, message }, i) => {
      const now = read(flow);
      if (now > this.#seen[i])
        this.log.warn({ evicted: now - this.#seen[i], total: now, exporters: flow.exporters, template_bytes: flow.template_bytes }, message);
      this.#seen[i] = now;
    });
  }
}
