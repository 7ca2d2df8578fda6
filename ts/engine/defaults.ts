// The embedded default of DESIGN.md: what `floodwatch run` listens on with no config file.
import type { EngineConfig } from './types.js';

export const DEFAULT_ENGINE_CONFIG: Required<Pick<EngineConfig, 'listen' | 'networks'>> & EngineConfig = {
  // NetFlow v5/v9 and IPFIX on 2055, IPFIX on 4739, sFlow on 6343; every port decodes every format.
  listen: ['0.0.0.0:2055', '[::]:2055', '0.0.0.0:4739', '[::]:4739', '0.0.0.0:6343', '[::]:6343'],
  networks: ['0.0.0.0/0', '::/0'],
};
