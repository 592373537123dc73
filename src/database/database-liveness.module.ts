import { Module } from '@nestjs/common';
import { DatabaseLiveness } from './database-liveness.js';

/** Its own module so the TypeORM factory can inject it before the DataSource exists. */
@Module({ providers: [DatabaseLiveness], exports: [DatabaseLiveness] })
export class DatabaseLivenessModule {}
