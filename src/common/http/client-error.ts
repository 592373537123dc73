import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { problem, PROBLEM_CONTENT_TYPE } from './problem.js';

/**
 * Requests Node's HTTP parser refuses before any route sees them (a NUL or bare CR in a header
 * value, a malformed request line, headers over the size limit) get Node's default answer: a
 * bare `400 Bad Request` with no body. Answer them like every other error instead, as RFC 9457
 * problem+json naming what was wrong, then close the connection (the parser cannot resync).
 */
export function answerParserErrorsAsProblems(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A reset or a socket already half gone has nobody left to answer.
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, detail] = describe(err.code);
    const body = JSON.stringify(
      problem(status, 'malformed-request', STATUS_CODES[status] ?? 'Bad Request', detail),
    );
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}

function describe(code: string | undefined): [number, string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'the request headers are larger than the server accepts'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'the request was not received in time'];
    case 'HPE_INVALID_HEADER_TOKEN':
      return [
        400,
        'a header name or value holds a character HTTP does not allow (for example NUL, CR or LF)',
      ];
    case 'HPE_LF_EXPECTED':
    case 'HPE_CR_EXPECTED':
      return [400, 'a header line holds a bare CR or LF; lines must end in CRLF'];
    default:
      return [400, `the request is not valid HTTP/1.1 (${code ?? 'parse error'})`];
  }
}
