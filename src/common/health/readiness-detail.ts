/**
 * A check another module adds to GET /health/ready, shown under `info` and never failing the
 * answer (key rotation's count of sealed values per key). A module provides a subclass; the
 * health controller collects every one through DI.
 */
export abstract class ReadinessDetail {
  abstract readonly name: string;
  abstract details(): Record<string, unknown>;
}
