import { registerDecorator } from 'class-validator';
import { parseDuration, parseDurationList } from './duration.js';

/** An environment variable holding one duration (`5d`, `12h`, `250ms`; a bare number is seconds). */
export function IsDuration() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isDuration',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && parseDuration(value) !== undefined,
        defaultMessage: () => 'must be a duration such as 5m, 12h or 250ms',
      },
    });
}

/** Comma-separated durations, such as a retry schedule `5s,5m,30m,2h`. */
export function IsDurationList() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isDurationList',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && parseDurationList(value) !== undefined,
        defaultMessage: () =>
          'must be comma-separated durations such as 5s,5m,30m,2h (a bare number means seconds; ms, s, m, h, d)',
      },
    });
}
