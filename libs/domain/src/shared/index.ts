export * from './messages';
export * from './errors';
export * from './time';
export * from './decider';
export * from './facts';
export * from './rules';
export * from './records';
export * from './upcaster';
