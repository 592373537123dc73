import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';

type ConnectCallback = (err: Error | null, stream: Duplex) => void;

/**
 * Keep-alive agents whose sockets always have an `error` listener.
 *
 * Node's client removes its own listener when a response ends and the socket goes back to
 * the pool, then guards the pooled socket with a `once('error')`. A second error on that
 * socket (the rest of a large body failing with EPIPE after a receiver answered early, then
 * a reset) has no listener and is thrown as an uncaught exception: one receiver could take
 * the process down, and again on every retry. A listener for the socket's whole life makes
 * such errors harmless: the socket is destroyed and leaves the pool.
 */
export function createGuardedAgents(
  lookup: net.LookupFunction,
  onStrayError: (err: Error) => void,
): [http.Agent, https.Agent] {
  const guard = (socket: Duplex | null | undefined): void => {
    socket?.on('error', (err: Error) => {
      if (!socket.destroyed) socket.destroy();
      onStrayError(err);
    });
  };
  class GuardedHttpAgent extends http.Agent {
    override createConnection(options: http.ClientRequestArgs, callback?: ConnectCallback) {
      const socket = super.createConnection(options, callback);
      guard(socket);
      return socket;
    }
  }
  class GuardedHttpsAgent extends https.Agent {
    override createConnection(options: https.RequestOptions, callback?: ConnectCallback) {
      const socket = super.createConnection(options, callback);
      guard(socket);
      return socket;
    }
  }
  return [
    new GuardedHttpAgent({ keepAlive: true, lookup }),
    new GuardedHttpsAgent({ keepAlive: true, lookup }),
  ];
}
