// The UDP source port each amplification attack comes from: the service abused as a reflector
// (the same table as crates/detect/src/classify.rs REFLECTOR_PORTS).
export const REFLECTOR_PORTS: Readonly<Record<string, number>> = {
  dns: 53,
  ntp: 123,
  ssdp: 1900,
  memcached: 11211,
  chargen: 19,
  cldap: 389,
  snmp: 161,
  rip: 520,
  mssql: 1434,
  netbios: 137,
  portmap: 111,
  qotd: 17,
  ws_discovery: 3702,
  coap: 5683,
  ard: 3283,
  openvpn: 1194,
};
