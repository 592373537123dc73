/**
 * Base of every module's domain errors (`x.exception.ts` files). Services throw these; the
 * global filter maps `status` and `code` to problem+json, so services never know about HTTP.
 */
export class AppException extends Error {
  constructor(
    public readonly code: string,
    public readonly status: number,
    message: string,
    public readonly extra: Record<string, unknown> = {},
    public readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
