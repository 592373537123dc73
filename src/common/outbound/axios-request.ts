import axios, { AxiosInstance } from 'axios';
import type * as http from 'node:http';
import type * as https from 'node:https';
import type { Readable } from 'node:stream';

/**
 * The axios instance for every module's outbound calls. Its agents are the guarded ones (the
 * SSRF check happens where the socket connects); axios itself never follows a redirect (the
 * service does, re-checking each hop), never uses an environment proxy (which would bypass
 * the address check), and hands the body over as a stream so it can be cut at a size.
 */
export function createAxios(agents: [http.Agent, https.Agent]): AxiosInstance {
  return axios.create({
    httpAgent: agents[0],
    httpsAgent: agents[1],
    maxRedirects: 0,
    proxy: false,
    responseType: 'stream',
    decompress: true,
    validateStatus: () => true,
    maxBodyLength: Infinity,
    maxContentLength: Infinity,
  });
}

export interface OneResponse {
  status: number;
  headers: Record<string, string>;
  bytes: Buffer;
  truncated: boolean;
}

/** One request without redirects; the body is read up to `maxBodyBytes` (decompressed). */
export async function requestOnce(
  ax: AxiosInstance,
  r: {
    method: string;
    url: URL;
    headers: Record<string, string>;
    body?: Buffer;
    signal: AbortSignal;
    maxBodyBytes: number;
  },
): Promise<OneResponse> {
  const res = await ax.request<Readable>({
    method: r.method,
    url: r.url.href,
    headers: r.headers,
    data: r.body,
    signal: r.signal,
  });
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of res.data as AsyncIterable<Buffer>) {
    if (size + chunk.length > r.maxBodyBytes) {
      chunks.push(chunk.subarray(0, r.maxBodyBytes - size));
      truncated = true;
      break; // ends the stream: the rest is never downloaded
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined || value === null) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return { status: res.status, headers, bytes: Buffer.concat(chunks), truncated };
}
