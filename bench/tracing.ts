import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { CommandExecutor, CommandMetrics, StreamCache, type Execution, type WriteResult } from '#application';
import { advertiserDecider, advertiserStreamId } from '#domain';
import type { AppendResult, EventData, EventStore } from '#event-store';
import { activeTraceparent, inSpan, startTracingWith, stopTracing, tracingEnabled } from '#runtime';

/*
 * What tracing costs the command path, without I/O so nothing hides it: CommandExecutor.execute on
 * an in-memory store (fold, decide, hash chain, append) for RegisterAdvertiser on a fresh stream.
 *   untraced  the executor's body called directly, bypassing the tracing helper altogether
 *   off       execute() with tracing off (the default): what every deployment without OTEL_* runs
 *   on        execute() with tracing on and no exporter: span creation, context, traceparent stored
 * Rounds alternate, and the median round is reported, to ride out a busy machine. Then, since a
 * busy machine blurs the executor's rounds by more than tracing could cost, what the helpers add to
 * each command when off, alone: inSpan around the work and activeTraceparent for the metadata.
 *
 *   npm run bench:tracing     (BENCH_COMMANDS per round, default 10000; BENCH_ROUNDS, default 9)
 */

const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);

/** Just enough of a store for commands on fresh streams: every append succeeds. */
const memoryStore = (): EventStore => {
  let position = 0n;
  const append = async (_streamId: string, events: readonly EventData[]): Promise<AppendResult> => {
    position += BigInt(events.length);
    return { nextExpectedRevision: BigInt(events.length - 1), position, replayed: false };
  };
  return { append } as unknown as EventStore;
};

const store = memoryStore();
const executor = new CommandExecutor(store, new StreamCache(store), new CommandMetrics());
const untraced = (executor as unknown as { run: CommandExecutor['execute'] }).run.bind(executor);

const execution = (): Execution<never, never, never, never> => {
  const advertiserId = randomUUID();
  return {
    id: advertiserId,
    streamId: advertiserStreamId(advertiserId),
    decider: advertiserDecider,
    intent: {
      type: 'RegisterAdvertiser',
      data: { advertiserId, legalName: 'Load Co', registrationNumber: 'R-1', kaTier: 'growth', salesOwnerId: 'sam' },
    },
    facts: async () => undefined,
    context: {
      actor: { userId: 'sam', roles: ['sales'] },
      commandId: randomUUID(),
      correlationId: randomUUID(),
      causationId: undefined,
      expectedRevision: undefined,
    },
  } as unknown as Execution<never, never, never, never>;
};

/** CPU microseconds (user + system) per command over one round: less at the mercy of other processes than wall time. */
const round = async (run: (e: Execution<never, never, never, never>) => Promise<WriteResult>): Promise<number> => {
  const executions = Array.from({ length: COMMANDS }, execution);
  const started = process.cpuUsage();
  for (const e of executions) await run(e);
  const used = process.cpuUsage(started);
  return (used.user + used.system) / COMMANDS;
};

/** Nanoseconds the tracing helpers add per command with tracing off, over a million calls. */
const helperOverheadNs = (): number => {
  const done = Promise.resolve(0);
  const work = () => done;
  const attributes = () => ({});
  const calls = 1_000_000;
  const time = (body: () => unknown): number => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) body();
    return Number(process.hrtime.bigint() - started) / calls;
  };
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const bare = time(work);
    const helped = time(() => {
      activeTraceparent();
      return inSpan('command', attributes, work);
    });
    samples.push(helped - bare);
  }
  return median(samples);
};

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const main = async (): Promise<void> => {
  const results: Record<'untraced' | 'off' | 'on', number[]> = { untraced: [], off: [], on: [] };
  const off = (e: Execution<never, never, never, never>) => executor.execute(e);
  // Warm-up: JIT, the stream cache's steady state.
  await round(untraced);
  await round(off);
  const on = async (e: Execution<never, never, never, never>) => executor.execute(e);
  const modes = { untraced, off, on } as const;
  const order = ['untraced', 'off', 'on'] as const;
  for (let i = 0; i < ROUNDS; i++) {
    // Rotate which mode goes first, so the stream cache's growth and GC debt fall on each in turn.
    for (let j = 0; j < order.length; j++) {
      const mode = order[(i + j) % order.length]!;
      if (mode === 'on') startTracingWith('bench', []);
      results[mode].push(await round(modes[mode]));
      if (mode === 'on') await stopTracing();
      if (tracingEnabled()) throw new Error('tracing did not stop');
    }
  }
  const helperNs = helperOverheadNs();
  const base = median(results.untraced);
  console.log(
    `CommandExecutor, RegisterAdvertiser on a fresh stream, in-memory store, ${COMMANDS} commands x ${ROUNDS} rounds`,
  );
  console.log('mode       median CPU µs/command   vs untraced   rounds');
  for (const mode of ['untraced', 'off', 'on'] as const) {
    const m = median(results[mode]);
    const delta = ((m / base - 1) * 100).toFixed(1);
    console.log(
      `${mode.padEnd(10)} ${m.toFixed(2).padStart(17)}   ${`${Number(delta) >= 0 ? '+' : ''}${delta} %`.padStart(11)}   ${results[mode].map((v) => v.toFixed(1)).join(' ')}`,
    );
  }
  console.log(
    `tracing helpers with tracing off: ${helperNs.toFixed(1)} ns per command (median of 5 x 1,000,000 calls)`,
  );
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
