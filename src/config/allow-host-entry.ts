import ipaddr from 'ipaddr.js';

/**
 * For config validation: an entry of OUTBOUND_ALLOW_HOSTS (a hostname, `*.domain`, an address
 * or a CIDR), in the form `OutboundPolicy` (common/outbound/address-policy.ts) reads.
 */
export function isAllowHostEntry(entry: string): boolean {
  const e = entry.trim();
  if (e.includes('/')) return ipaddr.isValidCIDR(e);
  return (
    ipaddr.isValid(e) ||
    /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(e)
  );
}
