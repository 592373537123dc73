import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { ADMIN_SCHEME, USER_SCHEME } from './common/auth/audience.decorator.js';
import { jsonBodyParser } from './common/http/body-parsers.js';
import { BodyRoutes } from './common/http/body-routes.js';
import { answerParserErrorsAsProblems } from './common/http/client-error.js';
import { documentCommonResponses } from './common/http/common-responses.js';
import { documentProblemMediaType } from './common/http/problem-media-type.js';
import { ProblemFilter } from './common/http/problem.filter.js';
import { queryEncodingCheck } from './common/http/query-encoding.js';
import { StorableTextPipe } from './common/http/storable-text.pipe.js';
import { createValidationPipe } from './common/http/validation.js';
import { httpLogger, PinoNestLogger } from './common/logging/logger.js';
import { MetricsService } from './common/metrics/metrics.service.js';

export const API_VERSION = '0.1.0';

/**
 * Everything about the HTTP surface that is not a route: shared by main.ts and the e2e
 * suites, so tests exercise exactly what production serves.
 */
export function configureApp(app: INestApplication, logger: Logger): OpenAPIObject {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  answerParserErrorsAsProblems(app.getHttpServer());
  app.useLogger(new PinoNestLogger(logger));
  app.use(httpLogger(logger));
  app.use(app.get(MetricsService).httpMiddleware());
  app.use(queryEncodingCheck());
  app.use(jsonBodyParser(app.get(BodyRoutes)));
  app.useGlobalPipes(new StorableTextPipe(), createValidationPipe());
  app.useGlobalFilters(new ProblemFilter());

  const config = new DocumentBuilder()
    .setTitle('Integration Hub')
    .setDescription(
      'Events out to the world: webhooks, triggers, integrations, calendar and sync on one durable event bus. ' +
        'Authorize with the admin token (printed at first start) or an API key as `admin`, and with a user JWT ' +
        '(mint one with POST /admin/user-tokens) as `user`. Errors are RFC 9457 application/problem+json.',
    )
    .setVersion(API_VERSION)
    .setLicense('UNLICENSED (proprietary)', 'https://spdx.org/licenses/')
    // Relative: "Try it out" calls the server that served this page, wherever it runs.
    .addServer('/', 'This hub')
    .addTag('Events', 'Publish events to the bus and browse the log and its consumers')
    .addTag(
      'Webhooks',
      'Endpoints, signed deliveries, per-job messages, attempts, replay and payload links',
    )
    .addTag('Artifacts', 'Files stored once, named by events, carried by each delivery')
    .addTag(
      'Triggers',
      'Rules that watch the bus and fire signed webhooks: matchers, silences, history',
    )
    .addTag('Sync', 'Offline-first push, pull, snapshot and live streams; shared spaces')
    .addTag('Log scan', 'Log lines in over HTTP, rule hits out as events: rules, overrides, stats')
    .addTag(
      'Integrations',
      'Jira and GitHub Issues kept in step with work-item events: config, tests, logs, cards',
    )
    .addTag('Jobs', 'Durable background jobs and schedules: browse, retry, cancel')
    .addTag(
      'Calendar',
      'Your CalDAV account, calendars and bindings (appointments kept in step with a calendar), sync status',
    )
    .addTag('Admin', 'API keys and user tokens')
    .addTag('Operations', 'Health, readiness and Prometheus metrics')
    .addTag('Storage', 'Per growing table: size, oldest row, retention and last prune')
    .addTag('Overview', 'What the operator console charts: time series and everything failing now')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        // Not JWTs: the ADMIN_TOKEN or an API key are opaque strings.
        bearerFormat: 'opaque',
        description: 'ADMIN_TOKEN, or an API key (ihk_...)',
      },
      ADMIN_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'User JWT; sub is the user id',
      },
      USER_SCHEME,
    )
    .build();
  const document = documentCommonResponses(
    documentProblemMediaType(SwaggerModule.createDocument(app, config)),
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
  return document;
}
