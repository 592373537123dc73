import * as fs from 'node:fs';

export default async function globalTeardown() {
  const server = globalThis.__IH_PG__;
  if (!server) return;
  await server.stop();
  fs.rmSync(server.dir, { recursive: true, force: true });
}
