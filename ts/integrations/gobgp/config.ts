// actions.gobgp: announcements through gobgpd's gRPC API.
import { Type, type Static } from '@sinclair/typebox';
import { PositiveInteger, strict } from '../../config/schema-types.js';
import { BlackholeSchema, FlowspecSchema } from '../bgp/config.js';

export const GobgpActionSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    /** gobgpd's gRPC API (its --api-hosts), host:port. */
    api: Type.String({ minLength: 3 }),
    blackhole: BlackholeSchema,
    flowspec: FlowspecSchema,
    /** Every active ban is checked against gobgpd's table this often, and re-announced if missing. */
    resync_seconds: PositiveInteger,
  },
  strict,
);

export type GobgpActionConfig = Static<typeof GobgpActionSchema>;
