import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Identifies this process in attempt rows and delivery leases. */
export const INSTANCE_ID = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
