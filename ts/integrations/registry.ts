// Every integration floodwatch has, one line each. The configuration's `actions` section, the
// names a hostgroup may list, check-config's summary, the FastNetMon import and the dispatcher
// all derive from this list: adding an integration is its folder and one line here.
import type { IntegrationDefinition } from './types.js';

export const INTEGRATIONS = [] as const satisfies readonly IntegrationDefinition<string, never>[];
