import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const repoRoot = join(__dirname, '..', '..');

/**
 * Runs an async reachability check in a child Node process and waits for it. Jest registers tests
 * synchronously, and a suite must know before registering whether it will run or be skipped.
 * The script exits 0 when usable; otherwise what it prints is the reason.
 */
export const probeSync = (script: string, timeoutMs = 20_000): string | undefined => {
  const result = spawnSync(process.execPath, ['-e', script], { cwd: repoRoot, encoding: 'utf8', timeout: timeoutMs });
  if (result.status === 0) return undefined;
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n')[0];
  return output || (result.error ? result.error.message : `probe exited with ${String(result.status)}`);
};

export const containerRuntimeUnavailable = (): string | undefined =>
  probeSync(`
    require('testcontainers').getContainerRuntimeClient()
      .then(() => process.exit(0), (error) => { console.log(error.message); process.exit(1); });
  `);

/** Straight to stderr: Jest drops console output of test files whose tests are all skipped. */
export const announceSkip = (what: string, reason: string): void => {
  process.stderr.write(`\nSKIPPED ${what}: ${reason}\n`);
};
