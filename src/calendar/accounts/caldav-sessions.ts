import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { OutboundHttpService } from '../../common/outbound/outbound-http.service.js';
import { SecretBoxService } from '../../common/security/secret-box.js';
import { calendarConfig } from '../../config/calendar.config.js';
import { CalDavClient } from '../caldav/caldav-client.js';
import type { AccountRow } from './account.repository.js';

/**
 * A CalDAV client for an account: opens the sealed password only for the call, and binds the
 * client to the origin of the account's server URL (it sends nothing anywhere else).
 */
@Injectable()
export class CalDavSessions {
  constructor(
    private readonly http: OutboundHttpService,
    private readonly box: SecretBoxService,
    @Inject(calendarConfig.KEY) private readonly config: ConfigType<typeof calendarConfig>,
  ) {}

  /** `signal`: a job's, so its timeout or a shutdown closes every socket the client opened. */
  forAccount(
    a: Pick<AccountRow, 'serverUrl' | 'username' | 'passwordSealed'>,
    signal?: AbortSignal,
  ): CalDavClient {
    return new CalDavClient(
      this.http,
      { username: a.username, password: this.box.open(a.passwordSealed) },
      this.config.httpTimeoutMs,
      a.serverUrl,
      signal,
    );
  }

  seal(password: string): string {
    return this.box.seal(password);
  }

  assertUrlAllowed(url: string, field: string): Promise<URL> {
    return this.http.assertUrlAllowed(url, field);
  }
}
