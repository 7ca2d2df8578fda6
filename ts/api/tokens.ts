// The bearer tokens that may change bans: api.tokens plus FLOODWATCH_API_TOKEN. A presented
// token is checked against every one in constant time, over SHA-256 digests so that neither the
// tokens' contents nor their lengths show in the timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import { API_TOKEN_MIN_LENGTH as MIN_TOKEN_LENGTH, type ApiConfig } from '../config/schema.js';

export class TokenSet {
  readonly #digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.#digests = tokens.map(digest);
  }

  get size(): number {
    return this.#digests.length;
  }

  matches(candidate: string): boolean {
    const presented = digest(candidate);
    let found = false;
    for (const known of this.#digests) found = timingSafeEqual(known, presented) || found;
    return found;
  }
}

/** The configured tokens; throws when FLOODWATCH_API_TOKEN is too short to be safe. */
export function apiTokens(config: Pick<ApiConfig, 'tokens'>, env: NodeJS.ProcessEnv = process.env): TokenSet {
  const tokens = [...config.tokens];
  const fromEnv = env.FLOODWATCH_API_TOKEN?.trim();
  if (fromEnv) {
    if (fromEnv.length < MIN_TOKEN_LENGTH) {
      throw new Error(`FLOODWATCH_API_TOKEN is ${fromEnv.length} characters long; use at least ${MIN_TOKEN_LENGTH} (e.g. the output of openssl rand -hex 32)`);
    }
    tokens.push(fromEnv);
  }
  return new TokenSet(tokens);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
