// What the configuration check refuses a YAML text for.
import { expect } from 'vitest';
import { ConfigError, parseConfig } from '../../ts/config/load.js';

/** The problems parseConfig reports for a YAML text, one `SOURCE: where: reason` per line. */
export function problemsOf(yaml: string): string[] {
  try {
    parseConfig(yaml, 'test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message.split('\n');
  }
  throw new Error('expected the configuration to be refused');
}
