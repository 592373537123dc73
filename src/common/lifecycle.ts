/**
 * In-process event (EventEmitter2) emitted by main.ts when shutdown begins, before the HTTP
 * server stops and waits for open requests: long-lived responses (SSE streams) end
 * themselves on it, or they would hold the server open until the shutdown timeout.
 */
export const APP_DRAINING = 'app.draining';
