/**
 * Calendar: nothing but the module, for AppModule; other modules reach it through appointment
 * events on the bus.
 */
export { CalendarModule } from './calendar.module.js';
