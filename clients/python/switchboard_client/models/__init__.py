"""Contains all the data models used in inputs/outputs"""

from .action_add_label import ActionAddLabel
from .action_assign_agent import ActionAssignAgent
from .action_assign_policy import ActionAssignPolicy
from .action_assign_team import ActionAssignTeam
from .action_assist_classify import ActionAssistClassify
from .action_note import ActionNote
from .action_remove_label import ActionRemoveLabel
from .action_reply import ActionReply
from .action_send_csat import ActionSendCsat
from .action_set_priority import ActionSetPriority
from .action_set_sla import ActionSetSla
from .action_set_status import ActionSetStatus
from .action_snooze_for import ActionSnoozeFor
from .action_snooze_until_open import ActionSnoozeUntilOpen
from .action_webhook import ActionWebhook
from .agent_view import AgentView
from .assign_request import AssignRequest
from .assignment_reason import AssignmentReason
from .assist_view import AssistView
from .attachment_view import AttachmentView
from .attribute_test import AttributeTest
from .audit_entry_view import AuditEntryView
from .audit_entry_view_detail import AuditEntryViewDetail
from .audit_page import AuditPage
from .author_type import AuthorType
from .automation_webhook_conversation import AutomationWebhookConversation
from .automation_webhook_data import AutomationWebhookData
from .automation_webhook_event import AutomationWebhookEvent
from .automation_webhook_event_kind import AutomationWebhookEventKind
from .automation_webhook_payload import AutomationWebhookPayload
from .automation_webhook_payload_kind import AutomationWebhookPayloadKind
from .availability import Availability
from .campaign_finished_data import CampaignFinishedData
from .campaign_finished_event import CampaignFinishedEvent
from .campaign_finished_event_kind import CampaignFinishedEventKind
from .campaign_finished_payload import CampaignFinishedPayload
from .campaign_finished_payload_kind import CampaignFinishedPayloadKind
from .campaign_list import CampaignList
from .campaign_progress_data import CampaignProgressData
from .campaign_progress_event import CampaignProgressEvent
from .campaign_progress_event_kind import CampaignProgressEventKind
from .campaign_progress_payload import CampaignProgressPayload
from .campaign_progress_payload_kind import CampaignProgressPayloadKind
from .campaign_reply_link import CampaignReplyLink
from .campaign_started_data import CampaignStartedData
from .campaign_started_event import CampaignStartedEvent
from .campaign_started_event_kind import CampaignStartedEventKind
from .campaign_started_payload import CampaignStartedPayload
from .campaign_started_payload_kind import CampaignStartedPayloadKind
from .campaign_state import CampaignState
from .campaign_summary import CampaignSummary
from .campaign_view import CampaignView
from .canned_response_request_type_0 import CannedResponseRequestType0
from .canned_response_request_type_1 import CannedResponseRequestType1
from .canned_response_view import CannedResponseView
from .channel_kind import ChannelKind
from .channel_plan import ChannelPlan
from .channel_view import ChannelView
from .cluster_view import ClusterView
from .comparison import Comparison
from .condition_all import ConditionAll
from .condition_any import ConditionAny
from .condition_author_is_bot import ConditionAuthorIsBot
from .condition_automated import ConditionAutomated
from .condition_channel import ConditionChannel
from .condition_channel_kind import ConditionChannelKind
from .condition_contact_attribute import ConditionContactAttribute
from .condition_contact_tag import ConditionContactTag
from .condition_label import ConditionLabel
from .condition_language import ConditionLanguage
from .condition_not import ConditionNot
from .condition_priority import ConditionPriority
from .condition_status import ConditionStatus
from .condition_text_contains import ConditionTextContains
from .condition_text_matches import ConditionTextMatches
from .condition_within_business_hours import ConditionWithinBusinessHours
from .consent_list import ConsentList
from .consent_request import ConsentRequest
from .consent_view import ConsentView
from .contact_created_data import ContactCreatedData
from .contact_created_event import ContactCreatedEvent
from .contact_created_event_kind import ContactCreatedEventKind
from .contact_created_payload import ContactCreatedPayload
from .contact_created_payload_kind import ContactCreatedPayloadKind
from .contact_created_source import ContactCreatedSource
from .contact_erased_data import ContactErasedData
from .contact_erased_event import ContactErasedEvent
from .contact_erased_event_kind import ContactErasedEventKind
from .contact_erased_payload import ContactErasedPayload
from .contact_erased_payload_kind import ContactErasedPayloadKind
from .contact_merge_undone_data import ContactMergeUndoneData
from .contact_merge_undone_event import ContactMergeUndoneEvent
from .contact_merge_undone_event_kind import ContactMergeUndoneEventKind
from .contact_merge_undone_payload import ContactMergeUndonePayload
from .contact_merge_undone_payload_kind import ContactMergeUndonePayloadKind
from .contact_merged_data import ContactMergedData
from .contact_merged_event import ContactMergedEvent
from .contact_merged_event_kind import ContactMergedEventKind
from .contact_merged_payload import ContactMergedPayload
from .contact_merged_payload_kind import ContactMergedPayloadKind
from .contact_page import ContactPage
from .contact_unsubscribed_data import ContactUnsubscribedData
from .contact_unsubscribed_event import ContactUnsubscribedEvent
from .contact_unsubscribed_event_kind import ContactUnsubscribedEventKind
from .contact_unsubscribed_payload import ContactUnsubscribedPayload
from .contact_unsubscribed_payload_kind import ContactUnsubscribedPayloadKind
from .contact_updated_data import ContactUpdatedData
from .contact_updated_event import ContactUpdatedEvent
from .contact_updated_event_kind import ContactUpdatedEventKind
from .contact_updated_payload import ContactUpdatedPayload
from .contact_updated_payload_kind import ContactUpdatedPayloadKind
from .contact_updated_source import ContactUpdatedSource
from .contact_view import ContactView
from .contact_view_attributes import ContactViewAttributes
from .conversation_assigned_data import ConversationAssignedData
from .conversation_assigned_event import ConversationAssignedEvent
from .conversation_assigned_event_kind import ConversationAssignedEventKind
from .conversation_assigned_payload import ConversationAssignedPayload
from .conversation_assigned_payload_kind import ConversationAssignedPayloadKind
from .conversation_assigned_side import ConversationAssignedSide
from .conversation_created_data import ConversationCreatedData
from .conversation_created_event import ConversationCreatedEvent
from .conversation_created_event_kind import ConversationCreatedEventKind
from .conversation_created_payload import ConversationCreatedPayload
from .conversation_created_payload_kind import ConversationCreatedPayloadKind
from .conversation_detail_view import ConversationDetailView
from .conversation_idle_data import ConversationIdleData
from .conversation_idle_event import ConversationIdleEvent
from .conversation_idle_event_kind import ConversationIdleEventKind
from .conversation_idle_payload import ConversationIdlePayload
from .conversation_idle_payload_kind import ConversationIdlePayloadKind
from .conversation_page import ConversationPage
from .conversation_patch_request import ConversationPatchRequest
from .conversation_status import ConversationStatus
from .conversation_status_changed_data import ConversationStatusChangedData
from .conversation_status_changed_event import ConversationStatusChangedEvent
from .conversation_status_changed_event_kind import ConversationStatusChangedEventKind
from .conversation_status_changed_payload import ConversationStatusChangedPayload
from .conversation_status_changed_payload_kind import ConversationStatusChangedPayloadKind
from .conversation_updated_data import ConversationUpdatedData
from .conversation_updated_event import ConversationUpdatedEvent
from .conversation_updated_event_kind import ConversationUpdatedEventKind
from .conversation_updated_payload import ConversationUpdatedPayload
from .conversation_updated_payload_kind import ConversationUpdatedPayloadKind
from .conversation_view import ConversationView
from .create_agent_request import CreateAgentRequest
from .create_campaign_request_type_0 import CreateCampaignRequestType0
from .create_campaign_request_type_1 import CreateCampaignRequestType1
from .create_contact_request import CreateContactRequest
from .create_contact_request_attributes import CreateContactRequestAttributes
from .create_team_request import CreateTeamRequest
from .create_token_request import CreateTokenRequest
from .create_webhook_request import CreateWebhookRequest
from .create_webhook_request_events_item import CreateWebhookRequestEventsItem
from .created_token_view import CreatedTokenView
from .created_webhook_view import CreatedWebhookView
from .csat_answer_data import CsatAnswerData
from .csat_answer_request import CsatAnswerRequest
from .csat_answer_view import CsatAnswerView
from .csat_state import CsatState
from .csat_view import CsatView
from .delivery_page import DeliveryPage
from .delivery_state import DeliveryState
from .delivery_status import DeliveryStatus
from .delivery_view import DeliveryView
from .direction import Direction
from .draft_view import DraftView
from .duplicate_reason import DuplicateReason
from .duplicate_view import DuplicateView
from .duplicates_view import DuplicatesView
from .erase_contact_request import EraseContactRequest
from .erase_contacts_request import EraseContactsRequest
from .erasure_list import ErasureList
from .erasure_state import ErasureState
from .erasure_step import ErasureStep
from .erasure_view import ErasureView
from .error_body import ErrorBody
from .error_detail import ErrorDetail
from .event_kind import EventKind
from .event_view import EventView
from .event_view_data import EventViewData
from .export_contact_format import ExportContactFormat
from .figure_view import FigureView
from .filter_active_within import FilterActiveWithin
from .filter_active_within_op import FilterActiveWithinOp
from .filter_all import FilterAll
from .filter_all_op import FilterAllOp
from .filter_any import FilterAny
from .filter_any_op import FilterAnyOp
from .filter_attribute import FilterAttribute
from .filter_attribute_op import FilterAttributeOp
from .filter_consent import FilterConsent
from .filter_consent_op import FilterConsentOp
from .filter_everyone import FilterEveryone
from .filter_everyone_op import FilterEveryoneOp
from .filter_has_identity import FilterHasIdentity
from .filter_has_identity_op import FilterHasIdentityOp
from .filter_inactive_for import FilterInactiveFor
from .filter_inactive_for_op import FilterInactiveForOp
from .filter_not import FilterNot
from .filter_not_op import FilterNotOp
from .filter_resolved_within import FilterResolvedWithin
from .filter_resolved_within_op import FilterResolvedWithinOp
from .filter_tag import FilterTag
from .filter_tag_op import FilterTagOp
from .funnel import Funnel
from .funnel_channels import FunnelChannels
from .funnel_counts import FunnelCounts
from .group_view import GroupView
from .heartbeat_request import HeartbeatRequest
from .heartbeat_request_availability import HeartbeatRequestAvailability
from .identity_view import IdentityView
from .import_options import ImportOptions
from .import_options_mapping import ImportOptionsMapping
from .import_report import ImportReport
from .import_request import ImportRequest
from .import_request_mapping import ImportRequestMapping
from .lease_view import LeaseView
from .list_audit_action import ListAuditAction
from .live_agent_view import LiveAgentView
from .live_board_view import LiveBoardView
from .live_breach_view import LiveBreachView
from .live_queue_view import LiveQueueView
from .merge_added_view import MergeAddedView
from .merge_added_view_attributes import MergeAddedViewAttributes
from .merge_moved_view import MergeMovedView
from .merge_request import MergeRequest
from .merge_result_view import MergeResultView
from .merge_view import MergeView
from .merge_view_overridden_attributes import MergeViewOverriddenAttributes
from .merges_view import MergesView
from .message_created_data import MessageCreatedData
from .message_created_event import MessageCreatedEvent
from .message_created_event_kind import MessageCreatedEventKind
from .message_created_payload import MessageCreatedPayload
from .message_created_payload_kind import MessageCreatedPayloadKind
from .message_kind import MessageKind
from .message_page import MessagePage
from .message_redacted_data import MessageRedactedData
from .message_redacted_event import MessageRedactedEvent
from .message_redacted_event_kind import MessageRedactedEventKind
from .message_redacted_payload import MessageRedactedPayload
from .message_redacted_payload_kind import MessageRedactedPayloadKind
from .message_translated_data import MessageTranslatedData
from .message_translated_event import MessageTranslatedEvent
from .message_translated_event_kind import MessageTranslatedEventKind
from .message_translated_payload import MessageTranslatedPayload
from .message_translated_payload_kind import MessageTranslatedPayloadKind
from .message_updated_data import MessageUpdatedData
from .message_updated_event import MessageUpdatedEvent
from .message_updated_event_kind import MessageUpdatedEventKind
from .message_updated_payload import MessageUpdatedPayload
from .message_updated_payload_kind import MessageUpdatedPayloadKind
from .message_view import MessageView
from .node_view import NodeView
from .note_request import NoteRequest
from .password_view import PasswordView
from .pattern_spec_pattern import PatternSpecPattern
from .point_view import PointView
from .presence_request import PresenceRequest
from .presence_state import PresenceState
from .presence_view import PresenceView
from .priority import Priority
from .queue_entry_view import QueueEntryView
from .quiet_hours import QuietHours
from .reaction_view import ReactionView
from .redact_request import RedactRequest
from .redacted import Redacted
from .rejected_row import RejectedRow
from .reply_request import ReplyRequest
from .reply_request_values import ReplyRequestValues
from .reply_spec_template import ReplySpecTemplate
from .reply_spec_template_values import ReplySpecTemplateValues
from .reply_translation_request import ReplyTranslationRequest
from .reply_translation_view import ReplyTranslationView
from .reply_window_view import ReplyWindowView
from .report_view import ReportView
from .retention_preview import RetentionPreview
from .retention_preview_conversations import RetentionPreviewConversations
from .retention_preview_expired_attachments import RetentionPreviewExpiredAttachments
from .retention_preview_messages import RetentionPreviewMessages
from .revision_view import RevisionView
from .role import Role
from .routing_policy import RoutingPolicy
from .rule_failed_data import RuleFailedData
from .rule_failed_event import RuleFailedEvent
from .rule_failed_event_kind import RuleFailedEventKind
from .rule_failed_payload import RuleFailedPayload
from .rule_failed_payload_kind import RuleFailedPayloadKind
from .rule_list import RuleList
from .rule_request import RuleRequest
from .rule_source import RuleSource
from .rule_spec import RuleSpec
from .rule_view import RuleView
from .segment_list import SegmentList
from .segment_preview_request import SegmentPreviewRequest
from .segment_preview_view import SegmentPreviewView
from .segment_request import SegmentRequest
from .segment_view import SegmentView
from .set_consents_request import SetConsentsRequest
from .sla_breached_data import SlaBreachedData
from .sla_breached_data_target import SlaBreachedDataTarget
from .sla_breached_event import SlaBreachedEvent
from .sla_breached_event_kind import SlaBreachedEventKind
from .sla_breached_payload import SlaBreachedPayload
from .sla_breached_payload_kind import SlaBreachedPayloadKind
from .sla_status import SlaStatus
from .sla_view import SlaView
from .sla_view_targets import SlaViewTargets
from .start_request import StartRequest
from .status_change_reason import StatusChangeReason
from .status_request import StatusRequest
from .stored_rule_view import StoredRuleView
from .stream_events_response_200_type_0 import StreamEventsResponse200Type0
from .stream_events_response_200_type_1 import StreamEventsResponse200Type1
from .suggestions_view import SuggestionsView
from .summary_group_view import SummaryGroupView
from .summary_group_view_current import SummaryGroupViewCurrent
from .summary_group_view_previous import SummaryGroupViewPrevious
from .summary_view import SummaryView
from .team_members_request import TeamMembersRequest
from .team_view import TeamView
from .template import Template
from .template_info import TemplateInfo
from .template_preview_request import TemplatePreviewRequest
from .template_preview_request_values import TemplatePreviewRequestValues
from .template_preview_view import TemplatePreviewView
from .template_request import TemplateRequest
from .test_send_report import TestSendReport
from .test_send_request import TestSendRequest
from .test_send_result import TestSendResult
from .text_cost import TextCost
from .text_cost_request import TextCostRequest
from .text_test_value import TextTestValue
from .token_view import TokenView
from .translate_request import TranslateRequest
from .translated_from import TranslatedFrom
from .translation_list import TranslationList
from .translation_origin import TranslationOrigin
from .translation_view import TranslationView
from .trigger import Trigger
from .unsubscribe_source import UnsubscribeSource
from .update_agent_request import UpdateAgentRequest
from .update_contact_request import UpdateContactRequest
from .update_contact_request_attributes_type_0 import UpdateContactRequestAttributesType0
from .update_webhook_request import UpdateWebhookRequest
from .update_webhook_request_events_type_0_item import UpdateWebhookRequestEventsType0Item
from .viewer_view import ViewerView
from .webhook_attempt_view import WebhookAttemptView
from .webhook_delivery_page import WebhookDeliveryPage
from .webhook_delivery_state import WebhookDeliveryState
from .webhook_delivery_view import WebhookDeliveryView
from .webhook_view import WebhookView

__all__ = (
    "ActionAddLabel",
    "ActionAssignAgent",
    "ActionAssignPolicy",
    "ActionAssignTeam",
    "ActionAssistClassify",
    "ActionNote",
    "ActionRemoveLabel",
    "ActionReply",
    "ActionSendCsat",
    "ActionSetPriority",
    "ActionSetSla",
    "ActionSetStatus",
    "ActionSnoozeFor",
    "ActionSnoozeUntilOpen",
    "ActionWebhook",
    "AgentView",
    "AssignmentReason",
    "AssignRequest",
    "AssistView",
    "AttachmentView",
    "AttributeTest",
    "AuditEntryView",
    "AuditEntryViewDetail",
    "AuditPage",
    "AuthorType",
    "AutomationWebhookConversation",
    "AutomationWebhookData",
    "AutomationWebhookEvent",
    "AutomationWebhookEventKind",
    "AutomationWebhookPayload",
    "AutomationWebhookPayloadKind",
    "Availability",
    "CampaignFinishedData",
    "CampaignFinishedEvent",
    "CampaignFinishedEventKind",
    "CampaignFinishedPayload",
    "CampaignFinishedPayloadKind",
    "CampaignList",
    "CampaignProgressData",
    "CampaignProgressEvent",
    "CampaignProgressEventKind",
    "CampaignProgressPayload",
    "CampaignProgressPayloadKind",
    "CampaignReplyLink",
    "CampaignStartedData",
    "CampaignStartedEvent",
    "CampaignStartedEventKind",
    "CampaignStartedPayload",
    "CampaignStartedPayloadKind",
    "CampaignState",
    "CampaignSummary",
    "CampaignView",
    "CannedResponseRequestType0",
    "CannedResponseRequestType1",
    "CannedResponseView",
    "ChannelKind",
    "ChannelPlan",
    "ChannelView",
    "ClusterView",
    "Comparison",
    "ConditionAll",
    "ConditionAny",
    "ConditionAuthorIsBot",
    "ConditionAutomated",
    "ConditionChannel",
    "ConditionChannelKind",
    "ConditionContactAttribute",
    "ConditionContactTag",
    "ConditionLabel",
    "ConditionLanguage",
    "ConditionNot",
    "ConditionPriority",
    "ConditionStatus",
    "ConditionTextContains",
    "ConditionTextMatches",
    "ConditionWithinBusinessHours",
    "ConsentList",
    "ConsentRequest",
    "ConsentView",
    "ContactCreatedData",
    "ContactCreatedEvent",
    "ContactCreatedEventKind",
    "ContactCreatedPayload",
    "ContactCreatedPayloadKind",
    "ContactCreatedSource",
    "ContactErasedData",
    "ContactErasedEvent",
    "ContactErasedEventKind",
    "ContactErasedPayload",
    "ContactErasedPayloadKind",
    "ContactMergedData",
    "ContactMergedEvent",
    "ContactMergedEventKind",
    "ContactMergedPayload",
    "ContactMergedPayloadKind",
    "ContactMergeUndoneData",
    "ContactMergeUndoneEvent",
    "ContactMergeUndoneEventKind",
    "ContactMergeUndonePayload",
    "ContactMergeUndonePayloadKind",
    "ContactPage",
    "ContactUnsubscribedData",
    "ContactUnsubscribedEvent",
    "ContactUnsubscribedEventKind",
    "ContactUnsubscribedPayload",
    "ContactUnsubscribedPayloadKind",
    "ContactUpdatedData",
    "ContactUpdatedEvent",
    "ContactUpdatedEventKind",
    "ContactUpdatedPayload",
    "ContactUpdatedPayloadKind",
    "ContactUpdatedSource",
    "ContactView",
    "ContactViewAttributes",
    "ConversationAssignedData",
    "ConversationAssignedEvent",
    "ConversationAssignedEventKind",
    "ConversationAssignedPayload",
    "ConversationAssignedPayloadKind",
    "ConversationAssignedSide",
    "ConversationCreatedData",
    "ConversationCreatedEvent",
    "ConversationCreatedEventKind",
    "ConversationCreatedPayload",
    "ConversationCreatedPayloadKind",
    "ConversationDetailView",
    "ConversationIdleData",
    "ConversationIdleEvent",
    "ConversationIdleEventKind",
    "ConversationIdlePayload",
    "ConversationIdlePayloadKind",
    "ConversationPage",
    "ConversationPatchRequest",
    "ConversationStatus",
    "ConversationStatusChangedData",
    "ConversationStatusChangedEvent",
    "ConversationStatusChangedEventKind",
    "ConversationStatusChangedPayload",
    "ConversationStatusChangedPayloadKind",
    "ConversationUpdatedData",
    "ConversationUpdatedEvent",
    "ConversationUpdatedEventKind",
    "ConversationUpdatedPayload",
    "ConversationUpdatedPayloadKind",
    "ConversationView",
    "CreateAgentRequest",
    "CreateCampaignRequestType0",
    "CreateCampaignRequestType1",
    "CreateContactRequest",
    "CreateContactRequestAttributes",
    "CreatedTokenView",
    "CreatedWebhookView",
    "CreateTeamRequest",
    "CreateTokenRequest",
    "CreateWebhookRequest",
    "CreateWebhookRequestEventsItem",
    "CsatAnswerData",
    "CsatAnswerRequest",
    "CsatAnswerView",
    "CsatState",
    "CsatView",
    "DeliveryPage",
    "DeliveryState",
    "DeliveryStatus",
    "DeliveryView",
    "Direction",
    "DraftView",
    "DuplicateReason",
    "DuplicatesView",
    "DuplicateView",
    "EraseContactRequest",
    "EraseContactsRequest",
    "ErasureList",
    "ErasureState",
    "ErasureStep",
    "ErasureView",
    "ErrorBody",
    "ErrorDetail",
    "EventKind",
    "EventView",
    "EventViewData",
    "ExportContactFormat",
    "FigureView",
    "FilterActiveWithin",
    "FilterActiveWithinOp",
    "FilterAll",
    "FilterAllOp",
    "FilterAny",
    "FilterAnyOp",
    "FilterAttribute",
    "FilterAttributeOp",
    "FilterConsent",
    "FilterConsentOp",
    "FilterEveryone",
    "FilterEveryoneOp",
    "FilterHasIdentity",
    "FilterHasIdentityOp",
    "FilterInactiveFor",
    "FilterInactiveForOp",
    "FilterNot",
    "FilterNotOp",
    "FilterResolvedWithin",
    "FilterResolvedWithinOp",
    "FilterTag",
    "FilterTagOp",
    "Funnel",
    "FunnelChannels",
    "FunnelCounts",
    "GroupView",
    "HeartbeatRequest",
    "HeartbeatRequestAvailability",
    "IdentityView",
    "ImportOptions",
    "ImportOptionsMapping",
    "ImportReport",
    "ImportRequest",
    "ImportRequestMapping",
    "LeaseView",
    "ListAuditAction",
    "LiveAgentView",
    "LiveBoardView",
    "LiveBreachView",
    "LiveQueueView",
    "MergeAddedView",
    "MergeAddedViewAttributes",
    "MergeMovedView",
    "MergeRequest",
    "MergeResultView",
    "MergesView",
    "MergeView",
    "MergeViewOverriddenAttributes",
    "MessageCreatedData",
    "MessageCreatedEvent",
    "MessageCreatedEventKind",
    "MessageCreatedPayload",
    "MessageCreatedPayloadKind",
    "MessageKind",
    "MessagePage",
    "MessageRedactedData",
    "MessageRedactedEvent",
    "MessageRedactedEventKind",
    "MessageRedactedPayload",
    "MessageRedactedPayloadKind",
    "MessageTranslatedData",
    "MessageTranslatedEvent",
    "MessageTranslatedEventKind",
    "MessageTranslatedPayload",
    "MessageTranslatedPayloadKind",
    "MessageUpdatedData",
    "MessageUpdatedEvent",
    "MessageUpdatedEventKind",
    "MessageUpdatedPayload",
    "MessageUpdatedPayloadKind",
    "MessageView",
    "NodeView",
    "NoteRequest",
    "PasswordView",
    "PatternSpecPattern",
    "PointView",
    "PresenceRequest",
    "PresenceState",
    "PresenceView",
    "Priority",
    "QueueEntryView",
    "QuietHours",
    "ReactionView",
    "Redacted",
    "RedactRequest",
    "RejectedRow",
    "ReplyRequest",
    "ReplyRequestValues",
    "ReplySpecTemplate",
    "ReplySpecTemplateValues",
    "ReplyTranslationRequest",
    "ReplyTranslationView",
    "ReplyWindowView",
    "ReportView",
    "RetentionPreview",
    "RetentionPreviewConversations",
    "RetentionPreviewExpiredAttachments",
    "RetentionPreviewMessages",
    "RevisionView",
    "Role",
    "RoutingPolicy",
    "RuleFailedData",
    "RuleFailedEvent",
    "RuleFailedEventKind",
    "RuleFailedPayload",
    "RuleFailedPayloadKind",
    "RuleList",
    "RuleRequest",
    "RuleSource",
    "RuleSpec",
    "RuleView",
    "SegmentList",
    "SegmentPreviewRequest",
    "SegmentPreviewView",
    "SegmentRequest",
    "SegmentView",
    "SetConsentsRequest",
    "SlaBreachedData",
    "SlaBreachedDataTarget",
    "SlaBreachedEvent",
    "SlaBreachedEventKind",
    "SlaBreachedPayload",
    "SlaBreachedPayloadKind",
    "SlaStatus",
    "SlaView",
    "SlaViewTargets",
    "StartRequest",
    "StatusChangeReason",
    "StatusRequest",
    "StoredRuleView",
    "StreamEventsResponse200Type0",
    "StreamEventsResponse200Type1",
    "SuggestionsView",
    "SummaryGroupView",
    "SummaryGroupViewCurrent",
    "SummaryGroupViewPrevious",
    "SummaryView",
    "TeamMembersRequest",
    "TeamView",
    "Template",
    "TemplateInfo",
    "TemplatePreviewRequest",
    "TemplatePreviewRequestValues",
    "TemplatePreviewView",
    "TemplateRequest",
    "TestSendReport",
    "TestSendRequest",
    "TestSendResult",
    "TextCost",
    "TextCostRequest",
    "TextTestValue",
    "TokenView",
    "TranslatedFrom",
    "TranslateRequest",
    "TranslationList",
    "TranslationOrigin",
    "TranslationView",
    "Trigger",
    "UnsubscribeSource",
    "UpdateAgentRequest",
    "UpdateContactRequest",
    "UpdateContactRequestAttributesType0",
    "UpdateWebhookRequest",
    "UpdateWebhookRequestEventsType0Item",
    "ViewerView",
    "WebhookAttemptView",
    "WebhookDeliveryPage",
    "WebhookDeliveryState",
    "WebhookDeliveryView",
    "WebhookView",
)
