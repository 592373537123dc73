import type { FieldErrorDto } from './problem.js';

/**
 * Limits on what a JSON body or a URL may carry, checked once where requests come in so no
 * DTO has to remember them. PostgreSQL `text` and `jsonb` cannot store U+0000 and reject a
 * lone UTF-16 surrogate (there is no UTF-8 for it), and deep nesting overflows the stack of
 * every recursive walker downstream (class-transformer, JSON.stringify, jsonb), so both are
 * refused before any of them runs.
 */
export const MAX_JSON_DEPTH = 64;

/** Keys that are never a field of any DTO; class-transformer drops them without a word. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored as PostgreSQL text, or undefined when it can. */
export function textProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(value)) return 'must not contain a lone UTF-16 surrogate';
  return undefined;
}

/** `a.b[2].c`, the same paths as class-validator errors (see flattenValidationErrors). */
function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

interface Node {
  value: unknown;
  depth: number;
  parent?: Node;
  key: string | number;
}

/** Built only when reporting: most bodies are fine, and paths for all of them cost time. */
function pathOf(node: Node): string {
  const keys: (string | number)[] = [];
  for (let n: Node | undefined = node; n; n = n.parent) if (n.key !== '') keys.push(n.key);
  return keys.reduceRight<string>((path, key) => childPath(path, key), '');
}

/**
 * The first problem in a parsed JSON body: a reserved key at the top level (of the body, or
 * of each item of a top-level array, as POST /events takes), then storableProblem.
 */
export function jsonBodyProblem(body: unknown): FieldErrorDto | undefined {
  const top = Array.isArray(body) ? body : [body];
  for (const [i, item] of top.entries()) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
    for (const key of Object.keys(item))
      if (RESERVED_KEYS.has(key))
        return {
          field: childPath(Array.isArray(body) ? `[${i}]` : '', key),
          message: 'should not exist',
        };
  }
  return storableProblem(body);
}

/**
 * The first string or key in a value that cannot be stored, or nesting deeper than
 * MAX_JSON_DEPTH, with its path below `root`. Iterative, so depth cannot hurt it.
 */
export function storableProblem(value: unknown, root = ''): FieldErrorDto | undefined {
  const stack: Node[] = [{ value, depth: 0, key: root }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const current = node.value;
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem) return { field: pathOf(node) || 'body', message: problem };
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (node.depth >= MAX_JSON_DEPTH)
      return {
        field: pathOf(node) || 'body',
        message: `nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays`,
      };
    const depth = node.depth + 1;
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--)
        stack.push({ value: current[i], depth, parent: node, key: i });
      continue;
    }
    const record = current as Record<string, unknown>;
    const keys = Object.keys(record);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      const keyProblem = textProblem(key);
      if (keyProblem)
        return {
          field: childPath(pathOf(node), JSON.stringify(key)),
          message: `key ${keyProblem}`,
        };
      stack.push({ value: record[key], depth, parent: node, key });
    }
  }
  return undefined;
}

/**
 * Text from outside that we keep rather than refuse (a receiver's reply, a peer's error):
 * NUL and lone surrogates become U+FFFD, as invalid UTF-8 already does when bytes are
 * decoded. Without this, one hostile reply fails the statement that stores it, and every
 * row written with it.
 */
export function storableText(text: string): string;
export function storableText(text: string | null): string | null;
export function storableText(text: string | null): string | null {
  if (text === null) return null;
  return text.replace(/\0/g, '\uFFFD').toWellFormed();
}

export function storableRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).map(([k, v]) => [storableText(k), storableText(v)]),
  );
}
