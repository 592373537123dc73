// Preloaded into a child app (`node --import`) by the process-guard suite: each fault throws
// once, from a bare callback (outside any promise chain a handler could catch), the moment
// a marker string passes through one background path:
//   inject-delivery-fault  an outgoing webhook request body      (webhook delivery)
//   inject-consumer-fault  rows a query hands back to the bus     (event consumer)
//   inject-stream-fault    an SSE frame written to a client       (sync stream)
import * as http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pg = require('pg');
const fired = new Set();

function fireOnce(marker, text) {
  if (fired.has(marker) || !text.includes(marker)) return;
  fired.add(marker);
  setImmediate(() => {
    throw new Error(`injected fault (${marker})`);
  });
}

const end = http.ClientRequest.prototype.end;
http.ClientRequest.prototype.end = function (chunk, ...rest) {
  if (chunk) fireOnce('inject-delivery-fault', String(chunk));
  return end.call(this, chunk, ...rest);
};

const write = http.ServerResponse.prototype.write;
http.ServerResponse.prototype.write = function (chunk, ...rest) {
  if (chunk) fireOnce('inject-stream-fault', String(chunk));
  return write.call(this, chunk, ...rest);
};

const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (...args) {
  const result = query.apply(this, args);
  const sql = String(args[0]?.text ?? args[0]);
  if (!/FROM events/i.test(sql) || typeof result?.then !== 'function') return result;
  // The reaction runs in the caller's async context (the consumer's), as its own code would.
  return result.then((res) => {
    fireOnce('inject-consumer-fault', JSON.stringify(res?.rows ?? []));
    return res;
  });
};
