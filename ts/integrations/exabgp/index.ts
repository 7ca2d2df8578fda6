// ExaBGP: blackhole routes and FlowSpec rules through ExaBGP 4.2's text API.
import { blackholeDefault, communityProblems, describeAnnouncements, flowspecDefault } from '../bgp/config.js';
import { carryExabgp } from '../bgp/fastnetmon.js';
import { defineIntegration } from '../types.js';
import { ExabgpActionSchema } from './config.js';

export const exabgp = defineIntegration({
  name: 'exabgp',
  schema: ExabgpActionSchema,
  defaults: () => ({ enabled: false, mode: 'pipe' as const, pipe: '/run/exabgp/floodwatch.in', blackhole: blackholeDefault(), flowspec: flowspecDefault() }),
  describe: (config) => `exabgp ${config.mode === 'pipe' ? `through ${config.pipe}` : 'on standard output'}${describeAnnouncements(config)}`,
  check: (config) => communityProblems('actions.exabgp.blackhole', config.blackhole),
  importFastnetmon: carryExabgp,
  create: async (config, deps) => {
    const { ExabgpAction } = await import('./action.js');
    return new ExabgpAction(config, deps);
  },
});
