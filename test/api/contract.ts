// The REST paths of DESIGN.md, "Public interface", with their methods (OpenAPI spelling).
export const CONTRACT: Record<string, string[]> = {
  '/api/v1/hosts/{ip}': ['get'],
  '/api/v1/hosts': ['get'],
  '/api/v1/traffic': ['get'],
  '/api/v1/bans': ['get', 'post'],
  '/api/v1/bans/{ip}': ['delete'],
  '/api/v1/attacks': ['get'],
  '/api/v1/attacks/{id}': ['get'],
  '/api/v1/attacks/{id}/pcap': ['get'],
  '/metrics': ['get'],
  '/healthz': ['get'],
  '/api/v1/stream': ['get'],
};
