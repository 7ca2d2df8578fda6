// Every integration floodwatch has, one line each. The configuration's `actions` section, the
// names a hostgroup may list, check-config's summary, the FastNetMon import and the dispatcher
// all derive from this list: adding an integration is its folder and one line here.
import { email } from './email/index.js';
import { exabgp } from './exabgp/index.js';
import { gobgp } from './gobgp/index.js';
import { graphite } from './graphite/index.js';
import { influxdb } from './influxdb/index.js';
import { kafkaIntegration as kafka } from './kafka/index.js';
import { mongodb } from './mongodb/index.js';
import { redis } from './redis/index.js';
import { script } from './script/index.js';

export const INTEGRATIONS = [script, email, gobgp, exabgp, redis, mongodb, influxdb, graphite, kafka] as const;
