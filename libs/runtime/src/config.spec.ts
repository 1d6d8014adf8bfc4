import { randomUUID } from 'node:crypto';
import { EventStoreDbEventStore } from '#event-store';
import { EventStoreDbDouble } from '../../../test/support/eventstoredb-double';
import { ConfigError, loadConfig } from './config';

const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', JWT_SECRET: 'x'.repeat(32) };
const withEventStore = (connectionString: string) =>
  loadConfig({ ...base, EVENTSTORE_CONNECTION_STRING: connectionString }, '/srv');

describe('EventStoreDB configuration', () => {
  it('takes esdb:// and esdb+discover:// as they are', () => {
    expect(withEventStore('esdb://eventstore:2113?tls=false').eventStoreConnectionString).toBe(
      'esdb://eventstore:2113?tls=false',
    );
    expect(withEventStore('esdb://a:2113,b:2113,c:2113?nodePreference=leader').eventStoreConnectionString).toBe(
      'esdb://a:2113,b:2113,c:2113?nodePreference=leader',
    );
    expect(withEventStore('esdb+discover://cluster.internal:2113').mode).toBe('eventstoredb');
  });

  it('translates kurrentdb:// (KurrentDB, same protocol) to the scheme the client parses', () => {
    expect(withEventStore('kurrentdb://admin:changeit@kdb:2113?tls=true').eventStoreConnectionString).toBe(
      'esdb://admin:changeit@kdb:2113?tls=true',
    );
    expect(withEventStore('kurrentdb+discover://cluster.internal:2113').eventStoreConnectionString).toBe(
      'esdb+discover://cluster.internal:2113',
    );
  });

  it('a translated kurrentdb:// string connects (to the EventStoreDB server double)', async () => {
    const double = await EventStoreDbDouble.start();
    const { port } = double.endpoint;
    const store = EventStoreDbEventStore.fromConnectionString(
      withEventStore(`kurrentdb://127.0.0.1:${port}?tls=false`).eventStoreConnectionString!,
    );
    try {
      const result = await store.append(
        `k-${randomUUID()}`,
        [{ eventId: randomUUID(), type: 'T', data: {}, metadata: {} }],
        'no_stream',
      );
      expect(result.nextExpectedRevision).toBe(0n);
    } finally {
      await store.close();
      await double.stop();
    }
  });

  it.each([
    ['http://eventstore:2113', /must start with esdb:\/\/, esdb\+discover:\/\/ or kurrentdb:\/\//],
    ['eventstore:2113', /must start with esdb:\/\//],
    ['esdb://', /must name its node\(s\) as host:port/],
    ['esdb://a:2113,b?tls=false', /must name its node\(s\) as host:port/],
  ])('refuses %s with one line naming the variable', (value, message) => {
    let error: unknown;
    try {
      withEventStore(value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/^EVENTSTORE_CONNECTION_STRING /);
    expect((error as ConfigError).message).toMatch(message);
    expect((error as ConfigError).message).not.toContain('\n');
  });

  it('reads the server maximum append size, 1 MiB by default', () => {
    expect(withEventStore('esdb://e:2113').eventStoreMaxAppendBytes).toBe(1_048_576);
    expect(
      loadConfig({ ...base, EVENTSTORE_CONNECTION_STRING: 'esdb://e:2113', EVENTSTORE_MAX_APPEND_BYTES: '524288' })
        .eventStoreMaxAppendBytes,
    ).toBe(524_288);
    expect(() => loadConfig({ ...base, EVENTSTORE_MAX_APPEND_BYTES: '1' })).toThrow(/EVENTSTORE_MAX_APPEND_BYTES/);
  });

  it('reads the change feed retention in days, 30 by default, refusing 0', () => {
    expect(loadConfig(base).linkFeedRetentionDays).toBe(30);
    expect(loadConfig({ ...base, LINK_FEED_RETENTION_DAYS: '7' }).linkFeedRetentionDays).toBe(7);
    expect(() => loadConfig({ ...base, LINK_FEED_RETENTION_DAYS: '0' })).toThrow(/LINK_FEED_RETENTION_DAYS/);
  });
});
