import { Global, Module } from '@nestjs/common';
import { OutboundHttpService } from './outbound-http.service.js';

@Global()
@Module({ providers: [OutboundHttpService], exports: [OutboundHttpService] })
export class OutboundModule {}
