// Tells the operator when a mirror port's capture fails (an interface gone down) and when frames
// flow through it again, once each: a source counts its errors; frames counted after the last
// one say it works again.
import type { Logger } from 'pino';
import type { MirrorState } from '../engine/index.js';

export class MirrorHealth {
  /** Errors seen so far per source. */
  readonly #errors = new Map<string, number>();
  /** Failing sources, with the frames they had counted at their last error. */
  readonly #failing = new Map<string, number>();

  constructor(private readonly log: Logger) {}

  update(mirrors: readonly MirrorState[]): void {
    for (const { name, errors, last_error, packets } of mirrors) {
      if (errors > (this.#errors.get(name) ?? 0)) {
        this.#errors.set(name, errors);
        if (!this.#failing.has(name)) this.log.error({ source: name, error: last_error }, 'mirror capture failing; it resumes when the interface is up again');
        this.#failing.set(name, packets);
      } else if ((this.#failing.get(name) ?? Infinity) < packets) {
        this.#failing.delete(name);
        this.log.info({ source: name }, 'mirror capture receiving again');
      }
    }
  }
}
