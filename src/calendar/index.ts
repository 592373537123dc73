/**
 * Calendar: the module, for AppModule, and the failing bindings for the operator console;
 * other modules reach it through appointment events on the bus.
 */
export { CalendarModule } from './calendar.module.js';
export {
  FailingBindingsService,
  type FailingBinding,
} from './bindings/failing-bindings.service.js';
