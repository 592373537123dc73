import { registerDecorator, ValidationArguments } from 'class-validator';
import { memberMessage } from '../http/validation.js';

/** Headers we set ourselves or that are hop-by-hop (RFC 9110 section 7.6.1): never user-set. */
const DENIED = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'content-type',
  'expect',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  // The sender identifies itself; a receiver must not be told it is someone else.
  'user-agent',
]);
/** Whether a header name is one the hub sets itself or a hop-by-hop header. */
export function isReservedHeader(name: string): boolean {
  return DENIED.has(name.toLowerCase());
}

export const MAX_HEADERS = 20;
export const MAX_HEADERS_BYTES = 8192;
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
/**
 * What node:http accepts in a header value (its validateHeaderValue): visible ASCII, tab,
 * space and obs-text (Latin-1, RFC 9110 section 5.5). Anything else makes `http.request`
 * throw at send time, so it is refused when the endpoint is saved.
 */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const MAX_VALUE_LENGTH = 2048;

export function headersProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'must be an object of header names to string values';
  const entries = Object.entries(value);
  if (entries.length > MAX_HEADERS)
    return `must have at most ${MAX_HEADERS} headers (got ${entries.length})`;
  let bytes = 0;
  for (const [name, v] of entries) {
    if (!HEADER_NAME.test(name)) return `"${name.slice(0, 40)}" is not a valid header name`;
    if (DENIED.has(name.toLowerCase()))
      return memberMessage(name, 'cannot be set: it is hop-by-hop or set by the hub');
    if (typeof v !== 'string' || v.length > MAX_VALUE_LENGTH)
      return memberMessage(name, `must be a string of at most ${MAX_VALUE_LENGTH} characters`);
    if (!FIELD_VALUE.test(v))
      return memberMessage(
        name,
        'must hold only visible ASCII, Latin-1, spaces and tabs (no line breaks or control characters)',
      );
    bytes += name.length + v.length;
  }
  if (bytes > MAX_HEADERS_BYTES)
    return `must total at most ${MAX_HEADERS_BYTES} bytes (got ${bytes})`;
  return undefined;
}

export function IsStaticHeaders(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isStaticHeaders',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => headersProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => headersProblem(args?.value) ?? 'is invalid',
      },
    });
}
