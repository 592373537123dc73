import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { BODY_SHAPES, DEFAULT_BODY_SHAPE } from './body-shape.js';

/** The optional `body` field of an endpoint or a message, with its validation and schema. */
export function BodyShapeProperty(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      enum: BODY_SHAPES,
      default: DEFAULT_BODY_SHAPE,
      example: 'flat',
      description:
        '`envelope`: `{type, timestamp, data}`. `flat`: `{...data, timestamp}` (foreman receivers read top-level fields; a `timestamp` in data is kept as sent; no `type`)',
    }),
    IsOptional(),
    IsIn(BODY_SHAPES, { message: `must be one of: ${BODY_SHAPES.join(', ')}` }),
  );
}
