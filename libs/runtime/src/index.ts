export * from './config';
export * from './embedded-postgres';
export * from './runtime';
export * from './tracing';
