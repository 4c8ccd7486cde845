// The API's shapes the hub uses, by name, from the generated schema (one contract).
import type { components } from "./schema";

type S = components["schemas"];
export type User = S["User"];
export type Profile = S["Profile"];
export type UserSummary = S["UserSummary"];
export type Group = S["Group"];
export type Post = S["Post"];
export type Comment = S["Comment"];
export type Attachment = S["Attachment"];
export type Report = S["Report"];
export type Member = S["Membership"];
export type JoinRequest = S["JoinRequest"];
export type Ban = S["Ban"];
export type Invitation = S["Invitation"];
export type ModerationLogEntry = S["ModerationLogEntry"];
export type SearchResult = S["SearchResult"];
export type Session = S["Session"];
export type Upload = S["Upload"];
export type UploadStarted = S["UploadStarted"];
export type JoinOutcome = S["JoinOutcome"];
export type Tag = S["Tag"];
export type Visibility = S["VisibilityEnum"];
export type ReportReason = S["ReasonEnum"];
export type DataExport = S["Export"];
export type ExportStatus = S["ExportStatusEnum"];
export type AccountDeleteRequest = S["AccountDeleteRequest"];
export type AccountDeleteRefused = S["AccountDeleteRefused"];
export type SignupInvitation = S["SignupInvitation"];
export type SignupInvitationCreated = S["SignupInvitationCreated"];
export type SignupInvitationCreateRequest = S["SignupInvitationCreateRequest"];
export type Notification = S["Notification"];
export type NotificationType = S["NotificationTypeEnum"];
export type Unread = S["Unread"];
export type StreamPosition = S["StreamPosition"];
export type Preferences = S["Preferences"];
export type TypePreference = S["TypePreference"];
export type Delivery = S["NotificationDeliveryEnum"];
export type Level = S["NotificationLevelEnum"];
export type GroupLevel = S["GroupLevel"];
export type PostLevel = S["PostLevel"];
export type Block = S["Block"];
export type BlockKind = S["BlockKindEnum"];
export type UnsubscribeTarget = S["UnsubscribeTarget"];
export type UnsubscribeDone = S["UnsubscribeDone"];

export interface Page<T> {
  next?: string | null;
  previous?: string | null;
  results: T[];
}
