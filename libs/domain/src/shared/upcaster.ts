/**
 * Turns the data of one stored event type from `fromVersion` into `fromVersion + 1`. Pure and
 * total: it runs on every read of old events, forever. Each aggregate keeps its upcasters beside
 * its events; libs/event-store applies them (this shape matches its Upcaster) on every read.
 */
export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  upcast(data: { readonly [key: string]: unknown }): { [key: string]: unknown };
}
