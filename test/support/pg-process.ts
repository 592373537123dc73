import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The postmaster (line 1 of postmaster.pid) and its children (backends, checkpointer, ...). */
export function serverPids(dataDir: string): number[] {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return [];
  const postmaster = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  let children: number[] = [];
  try {
    children = execFileSync('pgrep', ['-P', String(postmaster)])
      .toString()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    // pgrep exits 1 when there are no children.
  }
  return [postmaster, ...children];
}

/** SIGSTOP every server process: the kernel still accepts TCP connections, nothing answers. */
export function freeze(dataDir: string): number[] {
  const [postmaster] = serverPids(dataDir);
  if (postmaster === undefined) throw new Error(`no PostgreSQL running on ${dataDir}`);
  // The postmaster first, so it cannot fork a backend we would miss.
  signal(postmaster, 'SIGSTOP');
  const pids = serverPids(dataDir);
  for (const pid of pids) signal(pid, 'SIGSTOP');
  return pids;
}

export function thaw(pids: number[]): void {
  for (const pid of pids) signal(pid, 'SIGCONT');
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}
