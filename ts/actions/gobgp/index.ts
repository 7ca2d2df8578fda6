// The gobgp action and what it is made of, for the action registry.
export { GobgpAction, type GobgpActionDeps, type GobgpActionOptions } from './action.js';
export { GobgpClient, GobgpRequestError, GobgpUnreachableError, type ApiFamily, type ApiPath, type GobgpClientOptions } from './client.js';
export { flowspecRuleFor, describeRule, type FlowspecRule } from './flowspec.js';
export { routesForBan, looksLikeFloodwatchRoute, parseCommunity, parseLargeCommunity } from './announcements.js';
export { describeRoute, routeKey, toApiPath, fromApiPath, type Route, type UnicastRoute, type FlowspecRoute } from './paths.js';
export { planResync, type ResyncPlan } from './resync.js';
