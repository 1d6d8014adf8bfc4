export * from './event-store';
export * from './postgres';
export * from './hash-chain';
export * from './stream-all';
export * from './upcasting';
export * from './eventstoredb';
