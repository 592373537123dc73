import { isISO8601 } from 'class-validator';
import { isStorableInstant, lacksOffset, MISSING_OFFSET } from '../../common/http/ids-and-times.js';
import type { FieldErrorDto } from '../../common/http/problem.js';
import { textProblem } from '../../common/http/storable-text.js';
import { NOT_NULL, REQUIRED, ValidationFailedException } from '../../common/http/validation.js';
import { LOG_STREAMS, LogStream } from '../rules/log-rule.entity.js';
import type { LogLine } from '../scan/scanner.js';
import { truncateUtf8 } from './truncate-utf8.js';

export const MAX_LINES_PER_REQUEST = 5000;
export const MAX_SOURCE_LENGTH = 200;
/** Past this many field errors the answer would only grow: the first ones name the fault. */
const MAX_ERRORS = 20;

export interface LogBatch {
  source: string;
  lines: LogLine[];
}

/** Defaults from the query string (`?source=&stream=`): what NDJSON shippers can set. */
export interface LogBatchDefaults {
  source?: string;
  stream?: LogStream;
}

/**
 * Validation by hand rather than class-validator: a batch holds up to 5,000 lines, and a
 * decorator walk per line would cost more than scanning them. Errors name fields the way
 * class-validator does (`lines[3].time`).
 */
class Errors {
  readonly list: FieldErrorDto[] = [];
  add(field: string, message: string) {
    if (this.list.length < MAX_ERRORS) this.list.push({ field, message });
  }
  throwIfAny() {
    if (this.list.length) throw new ValidationFailedException(this.list);
  }
}

/** `{ source, stream?, lines: [{ text, time?, stream? } | "text"] }` (application/json). */
export function parseJsonBatch(body: unknown, defaults: LogBatchDefaults): LogBatch {
  const errors = new Errors();
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ValidationFailedException([{ field: 'body', message: 'must be a JSON object' }]);
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b))
    if (!['source', 'stream', 'lines'].includes(key)) errors.add(key, 'should not exist');
  const source = checkSource(b.source ?? defaults.source, 'source', errors);
  const stream = checkStream(b.stream, 'stream', errors) ?? defaults.stream ?? null;
  const items = b.lines;
  if (!Array.isArray(items)) {
    errors.add('lines', items === undefined ? REQUIRED : 'must be an array');
    errors.throwIfAny();
  }
  checkCount((items as unknown[]).length, errors);
  const lines: LogLine[] = [];
  (items as unknown[]).forEach((item, i) => {
    const field = `lines[${i}]`;
    if (typeof item === 'string') return lines.push(toLine(item, null, stream));
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      return errors.add(field, 'must be an object { text, time?, stream? } or a string');
    const line = item as Record<string, unknown>;
    for (const key of Object.keys(line))
      if (!['text', 'time', 'stream'].includes(key))
        errors.add(`${field}.${key}`, 'should not exist');
    const text = checkText(line.text, `${field}.text`, errors);
    const time = checkTime(line.time, `${field}.time`, errors);
    const own = checkStream(line.stream, `${field}.stream`, errors);
    if (text !== undefined) lines.push(toLine(text, time, own ?? stream));
  });
  errors.throwIfAny();
  return { source: source!, lines };
}

/**
 * One JSON object per line (application/x-ndjson), as Vector's and Fluent Bit's HTTP outputs
 * send them: the text in `text`, `message` or `log`, the time in `time`, `timestamp` or
 * `date` (ISO 8601 or epoch seconds), an optional `stream`. Shippers add fields of their own
 * (host, container, ...): those are ignored, not refused. Blank lines are skipped.
 */
export function parseNdjsonBatch(body: string, defaults: LogBatchDefaults): LogBatch {
  const errors = new Errors();
  const source = checkSource(defaults.source, 'source', errors);
  const rows = body.split('\n');
  const lines: LogLine[] = [];
  let n = 0;
  rows.forEach((row, r) => {
    if (row.trim() === '') return;
    const field = `lines[${n++}]`;
    if (n > MAX_LINES_PER_REQUEST) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(row);
    } catch {
      return errors.add(field, `line ${r + 1} of the body is not valid JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return errors.add(field, 'must be a JSON object with text, message or log');
    const o = parsed as Record<string, unknown>;
    const key = ['text', 'message', 'log'].find((k) => o[k] !== undefined) ?? 'text';
    const text = checkText(o[key], `${field}.${key}`, errors);
    const timeKey = ['time', 'timestamp', 'date'].find((k) => o[k] !== undefined) ?? 'time';
    const time = checkTime(o[timeKey], `${field}.${timeKey}`, errors);
    const stream = checkStream(o.stream, `${field}.stream`, errors) ?? defaults.stream ?? null;
    if (text !== undefined) lines.push(toLine(text, time, stream));
  });
  checkCount(n, errors);
  errors.throwIfAny();
  return { source: source!, lines };
}

function toLine(raw: string, time: Date | null, stream: LogStream | null): LogLine {
  const { text, truncated } = truncateUtf8(raw);
  return { text, time, stream, truncated };
}

function checkCount(count: number, errors: Errors): void {
  if (count < 1 || count > MAX_LINES_PER_REQUEST)
    errors.add('lines', `must contain 1 to ${MAX_LINES_PER_REQUEST} lines (got ${count})`);
}

function checkSource(value: unknown, field: string, errors: Errors): string | undefined {
  if (value === undefined) errors.add(field, `${REQUIRED} (in the body or as ?source=)`);
  else if (value === null) errors.add(field, NOT_NULL);
  else if (typeof value !== 'string') errors.add(field, 'must be a string');
  else if (value.length < 1 || value.length > MAX_SOURCE_LENGTH)
    errors.add(field, `must be 1 to ${MAX_SOURCE_LENGTH} characters`);
  else if (textProblem(value)) errors.add(field, textProblem(value)!);
  else return value;
  return undefined;
}

function checkStream(value: unknown, field: string, errors: Errors): LogStream | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (LOG_STREAMS as readonly string[]).includes(value))
    return value as LogStream;
  errors.add(field, `must be one of: ${LOG_STREAMS.join(', ')}`);
  return undefined;
}

function checkText(value: unknown, field: string, errors: Errors): string | undefined {
  if (typeof value === 'string') {
    // JSON bodies were checked as a whole on the way in; NDJSON lines are checked here.
    const problem = textProblem(value);
    if (!problem) return value;
    errors.add(field, problem);
  } else
    errors.add(
      field,
      value === undefined ? REQUIRED : value === null ? NOT_NULL : 'must be a string',
    );
  return undefined;
}

function checkTime(value: unknown, field: string, errors: Errors): Date | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && isStorableInstant(value * 1000)) return new Date(value * 1000);
  if (typeof value === 'string') {
    if (lacksOffset(value)) {
      errors.add(field, MISSING_OFFSET);
      return null;
    }
    if (isISO8601(value, { strict: true }) && isStorableInstant(Date.parse(value)))
      return new Date(value);
  }
  errors.add(field, 'must be an ISO 8601 date-time with an offset, or epoch seconds');
  return null;
}
