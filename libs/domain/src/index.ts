export * from './shared';
export * from './platform-policy';
export * from './advertiser';
export * from './category-approval';
export * from './contract';
export * from './campaign';
export * from './upcasters';
