// Who may use the API and how much: the settings SIGHUP can change on a running server.
import { parseListenAddress, type ListenAddress } from '../config/listen-address.js';
import { RELOADED_API_KEYS } from '../config/reload-scope.js';
import type { ApiConfig } from '../config/schema.js';
import { HostPolicy } from './host-policy.js';
import { apiTokens, type TokenSet } from './tokens.js';

export class ApiAccess {
  tokens!: TokenSet;
  hosts!: HostPolicy;
  mutationsPerMinute!: number;
  readonly #listen: ListenAddress;

  constructor(config: ApiConfig) {
    const listen = parseListenAddress(config.listen);
    if (!listen.ok) throw new Error(`api.listen: ${listen.reason}`);
    this.#listen = listen.value;
    this.update(config);
  }

  /** Takes the reloadable keys of `config`; throws, changing nothing, when FLOODWATCH_API_TOKEN is too short. */
  update(config: Pick<ApiConfig, (typeof RELOADED_API_KEYS)[number]>): void {
    this.tokens = apiTokens(config);
    this.hosts = new HostPolicy(this.#listen, config.allowed_hosts);
    this.mutationsPerMinute = config.mutations_per_minute;
  }
}
