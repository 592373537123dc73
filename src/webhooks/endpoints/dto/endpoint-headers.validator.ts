import { registerDecorator, ValidationArguments } from 'class-validator';

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
]);
export const MAX_HEADERS = 20;
export const MAX_HEADERS_BYTES = 8192;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

export function headersProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'must be an object of header names to string values';
  const entries = Object.entries(value);
  if (entries.length > MAX_HEADERS)
    return `must have at most ${MAX_HEADERS} headers (got ${entries.length})`;
  let bytes = 0;
  for (const [name, v] of entries) {
    if (!TOKEN.test(name)) return `"${name.slice(0, 40)}" is not a valid header name`;
    if (DENIED.has(name.toLowerCase()))
      return `"${name}" cannot be set: it is hop-by-hop or set by the hub`;
    if (typeof v !== 'string' || /[\r\n\0]/.test(v) || v.length > 2048)
      return `"${name}" must be a single-line string of at most 2048 characters`;
    bytes += name.length + v.length;
  }
  if (bytes > MAX_HEADERS_BYTES)
    return `must total at most ${MAX_HEADERS_BYTES} bytes (got ${bytes})`;
  return undefined;
}

export function IsEndpointHeaders(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isEndpointHeaders',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => headersProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => headersProblem(args?.value) ?? 'is invalid',
      },
    });
}

export function IsSmallJsonObject(maxBytes: number): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isSmallJsonObject',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          JSON.stringify(value).length <= maxBytes,
        defaultMessage: () => `must be a JSON object of at most ${maxBytes} bytes`,
      },
    });
}
