import { serveTasks } from '../../common/workers/serve-tasks.js';
import type { Appointment } from '../appointments/appointment.js';
import { buildIcs, parseIcs, type BuildOptions } from './icalendar.js';
import { parseMultistatus } from './multistatus.js';

// The worker thread behind off-loop.ts: the same pure parsers, away from the event loop.
serveTasks({
  multistatus: (xml: string) => parseMultistatus(xml),
  parseIcs: (ics: string) => parseIcs(ics),
  buildIcs: (input: { appointment: Appointment; options: BuildOptions }) =>
    buildIcs(input.appointment, input.options),
});
