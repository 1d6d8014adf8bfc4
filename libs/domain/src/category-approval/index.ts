export * from './commands';
export * from './events';
export { categoryStanding } from './state';
export type { CategoryApproval } from './state';
export { categoryApprovalDecider } from './decide';
