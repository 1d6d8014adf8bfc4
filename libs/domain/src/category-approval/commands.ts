import type { AdvertiserStanding, CalendarDate, Command, LinkPolicy } from '../shared';
import type { CategoryApprovalSubject } from './events';

export type RequestCategoryApproval = Command<
  'RequestCategoryApproval',
  CategoryApprovalSubject & { readonly licenceRef: string; readonly validUntil: CalendarDate }
>;
export type ApproveCategory = Command<'ApproveCategory', CategoryApprovalSubject>;
export type RejectCategory = Command<'RejectCategory', CategoryApprovalSubject & { readonly reason: string }>;
export type RevokeCategoryApproval = Command<
  'RevokeCategoryApproval',
  CategoryApprovalSubject & { readonly reason: string }
>;
/** `reason` says why it expired now, such as the valid-until date the scheduler saw pass. */
export type ExpireCategoryApproval = Command<
  'ExpireCategoryApproval',
  CategoryApprovalSubject & { readonly reason?: string }
>;

export type CategoryApprovalCommand =
  RequestCategoryApproval | ApproveCategory | RejectCategory | RevokeCategoryApproval | ExpireCategoryApproval;

/**
 * What a request needs to know from other streams: the advertiser (from `advertiserStanding`) and
 * the categories the link policy knows (from `linkPolicyOf(...).linkEligibleCategories`). The shell
 * passes them with every command so that one handler shape serves the whole aggregate; only a
 * request reads them.
 */
export interface CategoryApprovalFacts {
  readonly advertiser: AdvertiserStanding;
  readonly linkEligibleCategories: LinkPolicy['linkEligibleCategories'];
}
