import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { BodyRoutes } from './body-routes.js';

/** Collects the body rules modules provide (`bodyLimit`, `textBody`) for `configureApp`. */
@Module({ imports: [DiscoveryModule], providers: [BodyRoutes], exports: [BodyRoutes] })
export class BodyRoutesModule {}
