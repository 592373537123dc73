import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { CalendarModule } from '../calendar/index.js';
import { IntegrationsModule } from '../integrations/index.js';
import { LogScanModule } from '../log-scan/index.js';
import { WebhooksModule } from '../webhooks/index.js';
import { OverviewController } from './overview/overview.controller.js';
import { OverviewService } from './overview/overview.service.js';
import { ConsoleFiles } from './static/console-files.js';
import { ConsoleStaticMiddleware } from './static/console-static.middleware.js';

/**
 * The operator console: the built browser app at /console (public files, see
 * ConsoleStaticMiddleware) and the /overview API it charts (admin). The browser code lives in
 * web/ and is built by scripts/build.mjs, not by the Nest compiler.
 */
@Module({
  imports: [WebhooksModule, LogScanModule, CalendarModule, IntegrationsModule],
  controllers: [OverviewController],
  providers: [ConsoleFiles, ConsoleStaticMiddleware, OverviewService],
})
export class ConsoleModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ConsoleStaticMiddleware).forRoutes('console', 'console/*path');
  }
}
