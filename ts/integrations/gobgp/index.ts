// GoBGP: blackhole routes and FlowSpec rules announced through gobgpd's gRPC API, kept in step
// with the active bans by a resync loop.
import { blackholeDefault, communityProblems, describeAnnouncements, flowspecDefault } from '../bgp/config.js';
import { carryGobgp } from '../bgp/fastnetmon.js';
import { defineIntegration } from '../types.js';
import { GobgpActionSchema } from './config.js';

export const gobgp = defineIntegration({
  name: 'gobgp',
  schema: GobgpActionSchema,
  defaults: () => ({ enabled: false, api: '127.0.0.1:50051', blackhole: blackholeDefault(), flowspec: flowspecDefault(), resync_seconds: 10 }),
  describe: (config) => `gobgp at ${config.api}${describeAnnouncements(config)}`,
  check: (config) => communityProblems('actions.gobgp.blackhole', config.blackhole),
  importFastnetmon: carryGobgp,
  create: async (config, deps) => {
    const { GobgpAction } = await import('./action.js');
    return new GobgpAction(config, deps);
  },
});
