// actions.exabgp: announcements through ExaBGP's text API, by its named pipe or as its process.
import { Type, type Static } from '@sinclair/typebox';
import { Choice, strict } from '../../config/schema-types.js';
import { BlackholeSchema, FlowspecSchema } from '../bgp/config.js';

export const ExabgpActionSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    /** pipe: write API commands to ExaBGP's named pipe; stdout: floodwatch runs as an ExaBGP process. */
    mode: Choice(['pipe', 'stdout'] as const),
    pipe: Type.String({ minLength: 1 }),
    blackhole: BlackholeSchema,
    flowspec: FlowspecSchema,
  },
  strict,
);

export type ExabgpActionConfig = Static<typeof ExabgpActionSchema>;
