import { Injectable, type Provider } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { registered } from '../registered.js';

export interface BodyLimit {
  /** Only this method (e.g. `POST`); any when absent. */
  method?: string;
  /** Matched against the path without the query string; anchor it to name one route. */
  path: RegExp;
  limit: string;
}

/**
 * A route that also takes a text body of another media type (NDJSON log lines from shippers),
 * parsed into a string the route reads itself.
 */
export interface TextBodyRoute {
  method: string;
  path: RegExp;
  /** Matched against the Content-Type header. */
  type: RegExp;
  limit: string;
}

/**
 * A route that reads its request body itself, as a stream (artifact uploads): the body parser
 * leaves it untouched whatever its type, and the route enforces its own size limit.
 */
export interface RawBodyRoute {
  method: string;
  path: RegExp;
}

class BodyLimitRegistration {
  constructor(readonly rule: BodyLimit) {}
}

class TextBodyRegistration {
  constructor(readonly rule: TextBodyRoute) {}
}

class RawBodyRegistration {
  constructor(readonly rule: RawBodyRoute) {}
}

/** For a module's `providers`: a route of that module that accepts a larger JSON body. */
export function bodyLimit(rule: BodyLimit): Provider {
  return { provide: Symbol(`body limit ${rule.path}`), useValue: new BodyLimitRegistration(rule) };
}

/** For a module's `providers`: a route of that module that takes a text body. */
export function textBody(rule: TextBodyRoute): Provider {
  return { provide: Symbol(`text body ${rule.path}`), useValue: new TextBodyRegistration(rule) };
}

/** For a module's `providers`: a route of that module that streams its body itself. */
export function rawBody(rule: RawBodyRoute): Provider {
  return { provide: Symbol(`raw body ${rule.path}`), useValue: new RawBodyRegistration(rule) };
}

/** The body rules every module registered (first match wins, in module order). */
@Injectable()
export class BodyRoutes {
  constructor(private readonly discovery: DiscoveryService) {}

  get limits(): BodyLimit[] {
    return registered(this.discovery, BodyLimitRegistration).map((r) => r.rule);
  }

  get textRoutes(): TextBodyRoute[] {
    return registered(this.discovery, TextBodyRegistration).map((r) => r.rule);
  }

  get rawRoutes(): RawBodyRoute[] {
    return registered(this.discovery, RawBodyRegistration).map((r) => r.rule);
  }
}
