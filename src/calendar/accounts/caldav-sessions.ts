import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { OutboundHttpService } from '../../common/outbound/outbound-http.service.js';
import { SecretBoxService } from '../../common/security/secret-box.js';
import { calendarConfig } from '../../config/calendar.config.js';
import { CalDavClient } from '../caldav/caldav-client.js';
import type { AccountRow } from './account.repository.js';

/** A CalDAV client for an account: opens the sealed password only for the call. */
@Injectable()
export class CalDavSessions {
  constructor(
    private readonly http: OutboundHttpService,
    private readonly box: SecretBoxService,
    @Inject(calendarConfig.KEY) private readonly config: ConfigType<typeof calendarConfig>,
  ) {}

  forAccount(a: Pick<AccountRow, 'username' | 'passwordSealed'>): CalDavClient {
    return this.client(a.username, this.box.open(a.passwordSealed));
  }

  client(username: string, password: string): CalDavClient {
    return new CalDavClient(this.http, { username, password }, this.config.httpTimeoutMs);
  }

  seal(password: string): string {
    return this.box.seal(password);
  }

  assertUrlAllowed(url: string, field: string): Promise<URL> {
    return this.http.assertUrlAllowed(url, field);
  }
}
