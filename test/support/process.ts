import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const repoRoot = join(__dirname, '..', '..');

export interface RunningProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/**
 * Runs a built entry point (dist/, produced by `npm run build`, which `npm test` runs first) as a
 * real process, for what only a process can show: signals, crashes, start-up errors.
 */
export const runBuilt = (entry: string, env: Record<string, string>): RunningProcess => {
  const child = spawn(process.execPath, [join(repoRoot, 'dist', entry)], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
};

/** Resolves once `predicate(output)` holds; rejects if the process exits first. */
export const waitForOutput = async (running: RunningProcess, predicate: (output: string) => boolean): Promise<void> => {
  let exited = false;
  void running.exited.then(() => (exited = true));
  while (!predicate(running.output())) {
    if (exited) throw new Error(`process exited before it was ready:\n${running.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
