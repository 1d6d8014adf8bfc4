// pg-copy-streams ships no types; the benchmarks use only COPY ... FROM STDIN.
declare module 'pg-copy-streams' {
  import type { Writable } from 'node:stream';
  import type { Submittable } from 'pg';

  export function from(sql: string): Writable & Submittable;
}
