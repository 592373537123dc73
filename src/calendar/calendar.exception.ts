import { AppException } from '../common/http/app.exception.js';

export enum CalendarErrorCode {
  Invalid = 'calendar-invalid',
  NoAccount = 'calendar-no-account',
  BindingNotFound = 'calendar-binding-not-found',
  ServerRefused = 'calendar-server-refused',
  CalendarNotFound = 'calendar-calendar-not-found',
  CalendarTaken = 'calendar-calendar-taken',
  Disconnecting = 'calendar-disconnecting',
  AccountMoved = 'calendar-account-moved',
}

export class CalendarException extends AppException {
  static invalid(field: string, message: string) {
    return new CalendarException(CalendarErrorCode.Invalid, 400, `${field} ${message}`, {
      errors: [{ field, message }],
    });
  }
  static noAccount() {
    return new CalendarException(
      CalendarErrorCode.NoAccount,
      404,
      'you have not connected a CalDAV account yet: PUT /calendar/account first',
    );
  }
  /** A PUT while a disconnect still removes the hub's objects with the old credentials. */
  static disconnecting() {
    return new CalendarException(
      CalendarErrorCode.Disconnecting,
      409,
      'your calendar account is being disconnected: the hub is still removing its objects from the server with the old credentials; connect again once that has finished (usually within seconds)',
    );
  }
  /**
   * A PUT that would point an account with bindings at another calendar home (server or
   * user): the bindings' calendars live under the old one, and its runs would send the new
   * credentials there.
   */
  static accountMoved(oldHome: string, newHome: string, bindings: number) {
    const message = `moves your account from ${oldHome} to ${newHome}, but ${bindings} binding(s) sync calendars under the old one; delete them (or DELETE /calendar/account) first, then connect the new one`;
    return new CalendarException(CalendarErrorCode.AccountMoved, 409, `serverUrl ${message}`, {
      errors: [{ field: 'serverUrl', message }],
    });
  }
  static bindingNotFound(id: string) {
    return new CalendarException(CalendarErrorCode.BindingNotFound, 404, `no binding ${id}`);
  }
  /** Discovery or a CalDAV call made on the user's behalf failed: 422 naming the field. */
  static serverRefused(field: string, reason: string) {
    return new CalendarException(CalendarErrorCode.ServerRefused, 422, `${field}: ${reason}`, {
      errors: [{ field, message: reason }],
    });
  }
  static calendarNotFound(path: string) {
    return new CalendarException(
      CalendarErrorCode.CalendarNotFound,
      422,
      `calendarPath: ${path} is not one of your calendars (GET /calendar/calendars lists them)`,
      { errors: [{ field: 'calendarPath', message: 'is not one of your calendars' }] },
    );
  }
  static calendarTaken(path: string) {
    return new CalendarException(
      CalendarErrorCode.CalendarTaken,
      409,
      `calendarPath: ${path} is already bound; one binding per calendar keeps UIDs unique`,
      { errors: [{ field: 'calendarPath', message: 'is already bound' }] },
    );
  }
}
