export * from './commands';
export * from './events';
export { advertiserStanding } from './state';
export type { Advertiser, RegisteredAdvertiser } from './state';
export { advertiserDecider } from './decide';
