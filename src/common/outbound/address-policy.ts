import ipaddr from 'ipaddr.js';

/**
 * Which addresses outbound HTTP may reach. ipaddr.js classifies ranges; `process()` unwraps
 * IPv4-mapped IPv6 (::ffff:127.0.0.1 is loopback, not "ipv4Mapped"). Only `unicast`, the
 * public range, passes unless private targets are allowed (local development, tests).
 */
export function isAllowedAddress(address: string, allowPrivate: boolean): boolean {
  if (!ipaddr.isValid(address)) return false;
  if (allowPrivate) return true;
  return rangeOf(address) === 'unicast';
}

/**
 * ipaddr.js's range, plus the deprecated IPv4-compatible block ::/96 (RFC 4291 section
 * 2.5.5.1), which it calls unicast: `[::127.0.0.1]` reaches 127.0.0.1 on some stacks.
 */
function rangeOf(address: string): string {
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv6') {
    const parts = (parsed as ipaddr.IPv6).parts;
    // :: and ::1 are in the block too, but ipaddr.js names them (unspecified, loopback).
    const named = parts[6] === 0 && parts[7] <= 1;
    if (parts.slice(0, 6).every((p) => p === 0) && !named) return 'ipv4Compatible';
  }
  return parsed.range();
}

export function describeRange(address: string): string {
  return ipaddr.isValid(address) ? rangeOf(address) : 'invalid';
}
