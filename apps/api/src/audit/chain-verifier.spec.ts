import { randomUUID } from 'node:crypto';
import { GENESIS_HASH, eventHash, type JsonObject, type RecordedEvent } from '#event-store';
import { ChainVerifier, type BrokenLink } from './chain-verifier';

/** A stream's events chained as the command executor chains them. */
const chainedStream = (streamId: string, count: number, firstPosition = 100n): RecordedEvent[] => {
  let prevHash = GENESIS_HASH;
  return Array.from({ length: count }, (_, index) => {
    const revision = BigInt(index);
    const eventId = randomUUID();
    const data: JsonObject = { step: index };
    const unhashed: JsonObject = {
      eventId,
      actor: { userId: 'sam', roles: ['sales'] },
      recordedAt: `2027-01-01T00:00:0${index}.000Z`,
      prevHash,
    };
    const hash = eventHash(prevHash, { streamId, revision, eventId, type: 'Stepped', data, metadata: unhashed });
    prevHash = hash;
    return {
      streamId,
      revision,
      eventId,
      type: 'Stepped',
      data,
      metadata: { ...unhashed, hash },
      position: firstPosition + revision,
      createdAt: new Date('2027-01-01T00:00:00.000Z'),
    };
  });
};

const verify = (events: readonly RecordedEvent[]): { broken: number; first: BrokenLink | undefined } => {
  const verifier = new ChainVerifier();
  events.forEach((event) => verifier.check(event));
  return { broken: verifier.brokenLinks, first: verifier.firstBroken };
};

const rechain = (event: RecordedEvent, changes: Partial<RecordedEvent>): RecordedEvent => {
  const changed = { ...event, ...changes };
  return {
    ...changed,
    metadata: { ...changed.metadata, hash: eventHash(String(changed.metadata.prevHash), changed) },
  };
};

describe('ChainVerifier', () => {
  it('accepts intact chains of several interleaved streams', () => {
    const a = chainedStream('contract-a', 4, 100n);
    const b = chainedStream('contract-b', 3, 200n);
    const verifier = new ChainVerifier();
    [a[0]!, b[0]!, a[1]!, b[1]!, a[2]!, a[3]!, b[2]!].forEach((event) => verifier.check(event));
    expect({ broken: verifier.brokenLinks, streams: verifier.streamsChecked, events: verifier.eventsChecked }).toEqual({
      broken: 0,
      streams: 2,
      events: 7,
    });
  });

  it('detects two events swapped, even with their revisions renumbered and hashes recomputed', () => {
    const events = chainedStream('contract-a', 4);
    const swapped = [events[0]!, events[2]!, events[1]!, events[3]!];
    expect(verify(swapped).first).toMatchObject({ revision: '2', reason: 'REVISION_GAP' });
    const renumbered = [
      events[0]!,
      rechain(events[2]!, { revision: 1n }),
      rechain(events[1]!, { revision: 2n }),
      events[3]!,
    ];
    expect(verify(renumbered).first).toMatchObject({ revision: '1', reason: 'PREV_HASH_MISMATCH' });
  });

  it('detects an event inserted in the middle of a stream', () => {
    const events = chainedStream('contract-a', 3);
    const forged = rechain(events[1]!, { eventId: randomUUID(), data: { step: 'forged' } });
    expect(verify([events[0]!, forged, events[1]!, events[2]!]).first).toMatchObject({
      revision: '1',
      reason: 'REVISION_GAP',
    });
  });

  it('detects a rewritten recordedAt or actor', () => {
    const events = chainedStream('contract-a', 3);
    for (const metadata of [
      { ...events[1]!.metadata, recordedAt: '2026-12-31T23:59:59.000Z' },
      { ...events[1]!.metadata, actor: { userId: 'mallory', roles: ['sales'] } },
    ]) {
      expect(verify([events[0]!, { ...events[1]!, metadata }, events[2]!])).toEqual({
        broken: 1,
        first: { streamId: 'contract-a', revision: '1', position: '101', reason: 'HASH_MISMATCH' },
      });
    }
  });

  it('reports an event with an impossible transaction id as an anomaly and keeps it out of its chain', () => {
    const events = chainedStream('contract-a', 3);
    const forged = {
      ...rechain(events[2]!, { revision: 3n }),
      visibility: 'impossible' as const,
      position: 1n << 100n,
    };
    const verifier = new ChainVerifier();
    [...events, forged].forEach((event) => verifier.check(event));
    expect(verifier).toMatchObject({
      eventsChecked: 4,
      brokenLinks: 0,
      anomalies: 1,
      firstAnomaly: { streamId: 'contract-a', revision: '3', reason: 'IMPOSSIBLE_TRANSACTION' },
    });
  });

  it('checks events committed after the head like any other, and counts them', () => {
    const events = chainedStream('contract-a', 2);
    const verifier = new ChainVerifier();
    verifier.check(events[0]!);
    verifier.check({ ...events[1]!, visibility: 'pending' });
    expect(verifier).toMatchObject({ eventsChecked: 2, eventsAfterThrough: 1, brokenLinks: 0, anomalies: 0 });
  });

  it('checks the stored text: a number beyond 2^53 changed by one digit breaks the hash', () => {
    const [event] = chainedStream('contract-a', 1);
    const big = { ...event!, data: { value: 2 ** 60 } };
    const hashed = rechain(big, {});
    const stored = (value: string) => ({
      ...hashed,
      storedText: { data: `{"value": ${value}}`, metadata: JSON.stringify(hashed.metadata) },
    });
    expect(verify([stored('1152921504606847000')]).broken).toBe(0);
    expect(verify([stored('1152921504606847001')]).first).toMatchObject({ reason: 'HASH_MISMATCH' });
  });

  // What the chain does not prove, stated so that it is not mistaken for a guarantee.
  it('cannot tell a stream whose last events were removed, or wholly rewritten, from a genuine one', () => {
    const events = chainedStream('contract-a', 4);
    expect(verify(events.slice(0, 2)).broken).toBe(0);
    let previous = GENESIS_HASH;
    const rewritten = events.map((event) => {
      const forged = rechain(event, {
        data: { step: 'rewritten' },
        metadata: { ...event.metadata, prevHash: previous },
      });
      previous = String(forged.metadata.hash);
      return forged;
    });
    expect(verify(rewritten).broken).toBe(0);
  });
});
