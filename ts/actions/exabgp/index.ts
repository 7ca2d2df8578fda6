// The ExaBGP action: blackhole routes and FlowSpec rules through ExaBGP 4.2's text API.
export { ExabgpAction, type ExabgpActionDeps, type ExabgpActionOptions } from './action.js';
export { Announcements, type AnnouncementSources, type Step } from './announcements.js';
export { hostRoute, subnetRoute } from './blackhole.js';
export { announceFlow, announceRoute, flowMatch, withdrawFlow, withdrawRoute, type Route } from './commands.js';
export { flowActionOf, flowRuleFor, type FlowAction, type FlowRule } from './flowspec.js';
export { ExabgpPipe, ExabgpUnreachableError, type ExabgpPipeOptions } from './pipe.js';
export { ExabgpStdout } from './stdout.js';
