import { Injectable, PipeTransform } from '@nestjs/common';
import { SyncException } from './sync.exception.js';

const APP_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** `:appId` namespaces one client app's data. `apps` is taken by the admin routes. */
@Injectable()
export class AppIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!APP_ID.test(value) || value === 'apps')
      throw SyncException.invalid('appId', 'must match [a-z0-9][a-z0-9_-]{0,62} and not be "apps"');
    return value;
  }
}
