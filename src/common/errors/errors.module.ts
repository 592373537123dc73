import { Global, Module } from '@nestjs/common';
import { UnexpectedErrors } from './unexpected-errors.service.js';

@Global()
@Module({ providers: [UnexpectedErrors], exports: [UnexpectedErrors] })
export class ErrorsModule {}
