import ipaddr from 'ipaddr.js';

/**
 * Which addresses outbound HTTP may reach. ipaddr.js classifies ranges; `process()` unwraps
 * IPv4-mapped IPv6 (::ffff:127.0.0.1 is loopback, not "ipv4Mapped"). Only `unicast`, the
 * public range, passes unless private targets are allowed (local development, tests).
 */
export function isAllowedAddress(address: string, allowPrivate: boolean): boolean {
  if (!ipaddr.isValid(address)) return false;
  if (allowPrivate) return true;
  return ipaddr.process(address).range() === 'unicast';
}

export function describeRange(address: string): string {
  return ipaddr.isValid(address) ? ipaddr.process(address).range() : 'invalid';
}
