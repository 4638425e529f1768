/** Peak memory of a child process, read from /proc while it runs (Linux). */
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';

/** Polls the child's VmHWM (peak resident set size) until it exits; resolves with the peak in bytes. */
export function trackPeakRss(child: ChildProcess, everyMs = 50): Promise<number> {
  let peak = 0;
  const read = () => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // the process is gone
    }
  };
  const timer = setInterval(read, everyMs);
  return new Promise((resolve) => {
    child.once('exit', () => {
      clearInterval(timer);
      resolve(peak);
    });
  });
}
