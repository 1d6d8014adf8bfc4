/** The issuer's expected revision is not the stream's: it decided on a state that has moved on. */
export class StaleRevision extends Error {
  constructor(
    readonly streamId: string,
    /** The stream's revision now; undefined when the stream does not exist. */
    readonly actual: bigint | undefined,
  ) {
    super(
      `${streamId} changed since you read it (now at revision ${actual === undefined ? 'none' : actual.toString()}); reload and retry`,
    );
    this.name = 'StaleRevision';
  }
}

/** A command spanning two streams met a concurrent writer between its steps; a retry of it is safe. */
export class ConcurrentModification extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConcurrentModification';
  }
}
