"""Contains all the data models used in inputs/outputs"""

from .action_type_0 import ActionType0
from .action_type_1 import ActionType1
from .action_type_2 import ActionType2
from .action_type_3 import ActionType3
from .action_type_4 import ActionType4
from .action_type_5 import ActionType5
from .action_type_6 import ActionType6
from .action_type_7 import ActionType7
from .action_type_8 import ActionType8
from .action_type_9 import ActionType9
from .action_type_10 import ActionType10
from .action_type_11 import ActionType11
from .action_type_12 import ActionType12
from .agent_view import AgentView
from .assign_request import AssignRequest
from .attachment_view import AttachmentView
from .author_type import AuthorType
from .availability import Availability
from .campaign_list import CampaignList
from .campaign_state import CampaignState
from .campaign_summary import CampaignSummary
from .canned_response_request import CannedResponseRequest
from .canned_response_view import CannedResponseView
from .channel_plan import ChannelPlan
from .channel_plan_whatsapp_template_type_0 import ChannelPlanWhatsappTemplateType0
from .channel_view import ChannelView
from .comparison import Comparison
from .consent_list import ConsentList
from .consent_request import ConsentRequest
from .consent_view import ConsentView
from .contact_page import ContactPage
from .contact_view import ContactView
from .contact_view_attributes import ContactViewAttributes
from .conversation_detail_view import ConversationDetailView
from .conversation_page import ConversationPage
from .conversation_patch_request import ConversationPatchRequest
from .conversation_status import ConversationStatus
from .conversation_view import ConversationView
from .create_agent_request import CreateAgentRequest
from .create_contact_request import CreateContactRequest
from .create_contact_request_attributes import CreateContactRequestAttributes
from .create_team_request import CreateTeamRequest
from .create_token_request import CreateTokenRequest
from .create_webhook_request import CreateWebhookRequest
from .created_token_view import CreatedTokenView
from .created_webhook_view import CreatedWebhookView
from .delivery_page import DeliveryPage
from .delivery_status import DeliveryStatus
from .delivery_view import DeliveryView
from .direction import Direction
from .error_body import ErrorBody
from .error_detail import ErrorDetail
from .event_kind import EventKind
from .event_view import EventView
from .event_view_data import EventViewData
from .funnel import Funnel
from .funnel_channels import FunnelChannels
from .funnel_counts import FunnelCounts
from .heartbeat_request import HeartbeatRequest
from .identity_view import IdentityView
from .import_options import ImportOptions
from .import_options_mapping import ImportOptionsMapping
from .import_report import ImportReport
from .import_request import ImportRequest
from .import_request_mapping import ImportRequestMapping
from .message_kind import MessageKind
from .message_page import MessagePage
from .message_view import MessageView
from .note_request import NoteRequest
from .password_view import PasswordView
from .presence_request import PresenceRequest
from .presence_state import PresenceState
from .presence_view import PresenceView
from .priority import Priority
from .queue_entry_view import QueueEntryView
from .quiet_hours import QuietHours
from .rejected_row import RejectedRow
from .reply_request import ReplyRequest
from .reply_request_values import ReplyRequestValues
from .reply_spec_type_1_values import ReplySpecType1Values
from .reply_window_view import ReplyWindowView
from .revision_view import RevisionView
from .role import Role
from .routing_policy import RoutingPolicy
from .rule_list import RuleList
from .rule_request import RuleRequest
from .rule_request_when_type_0 import RuleRequestWhenType0
from .rule_source import RuleSource
from .rule_spec import RuleSpec
from .rule_spec_when_type_0 import RuleSpecWhenType0
from .rule_view import RuleView
from .rule_view_when_type_0 import RuleViewWhenType0
from .segment_preview_view import SegmentPreviewView
from .set_consents_request import SetConsentsRequest
from .sla_status import SlaStatus
from .sla_view import SlaView
from .sla_view_targets import SlaViewTargets
from .start_request import StartRequest
from .status_request import StatusRequest
from .stored_rule_view import StoredRuleView
from .stored_rule_view_when_type_0 import StoredRuleViewWhenType0
from .team_members_request import TeamMembersRequest
from .team_view import TeamView
from .template_info import TemplateInfo
from .template_preview_request import TemplatePreviewRequest
from .template_preview_request_values import TemplatePreviewRequestValues
from .template_preview_view import TemplatePreviewView
from .template_request import TemplateRequest
from .test_send_report import TestSendReport
from .test_send_request import TestSendRequest
from .test_send_result import TestSendResult
from .token_view import TokenView
from .trigger import Trigger
from .update_agent_request import UpdateAgentRequest
from .update_contact_request import UpdateContactRequest
from .update_contact_request_attributes_type_0 import UpdateContactRequestAttributesType0
from .update_webhook_request import UpdateWebhookRequest
from .viewer_view import ViewerView
from .webhook_attempt_view import WebhookAttemptView
from .webhook_delivery_page import WebhookDeliveryPage
from .webhook_delivery_state import WebhookDeliveryState
from .webhook_delivery_view import WebhookDeliveryView
from .webhook_view import WebhookView

__all__ = (
    "ActionType0",
    "ActionType1",
    "ActionType10",
    "ActionType11",
    "ActionType12",
    "ActionType2",
    "ActionType3",
    "ActionType4",
    "ActionType5",
    "ActionType6",
    "ActionType7",
    "ActionType8",
    "ActionType9",
    "AgentView",
    "AssignRequest",
    "AttachmentView",
    "AuthorType",
    "Availability",
    "CampaignList",
    "CampaignState",
    "CampaignSummary",
    "CannedResponseRequest",
    "CannedResponseView",
    "ChannelPlan",
    "ChannelPlanWhatsappTemplateType0",
    "ChannelView",
    "Comparison",
    "ConsentList",
    "ConsentRequest",
    "ConsentView",
    "ContactPage",
    "ContactView",
    "ContactViewAttributes",
    "ConversationDetailView",
    "ConversationPage",
    "ConversationPatchRequest",
    "ConversationStatus",
    "ConversationView",
    "CreateAgentRequest",
    "CreateContactRequest",
    "CreateContactRequestAttributes",
    "CreatedTokenView",
    "CreatedWebhookView",
    "CreateTeamRequest",
    "CreateTokenRequest",
    "CreateWebhookRequest",
    "DeliveryPage",
    "DeliveryStatus",
    "DeliveryView",
    "Direction",
    "ErrorBody",
    "ErrorDetail",
    "EventKind",
    "EventView",
    "EventViewData",
    "Funnel",
    "FunnelChannels",
    "FunnelCounts",
    "HeartbeatRequest",
    "IdentityView",
    "ImportOptions",
    "ImportOptionsMapping",
    "ImportReport",
    "ImportRequest",
    "ImportRequestMapping",
    "MessageKind",
    "MessagePage",
    "MessageView",
    "NoteRequest",
    "PasswordView",
    "PresenceRequest",
    "PresenceState",
    "PresenceView",
    "Priority",
    "QueueEntryView",
    "QuietHours",
    "RejectedRow",
    "ReplyRequest",
    "ReplyRequestValues",
    "ReplySpecType1Values",
    "ReplyWindowView",
    "RevisionView",
    "Role",
    "RoutingPolicy",
    "RuleList",
    "RuleRequest",
    "RuleRequestWhenType0",
    "RuleSource",
    "RuleSpec",
    "RuleSpecWhenType0",
    "RuleView",
    "RuleViewWhenType0",
    "SegmentPreviewView",
    "SetConsentsRequest",
    "SlaStatus",
    "SlaView",
    "SlaViewTargets",
    "StartRequest",
    "StatusRequest",
    "StoredRuleView",
    "StoredRuleViewWhenType0",
    "TeamMembersRequest",
    "TeamView",
    "TemplateInfo",
    "TemplatePreviewRequest",
    "TemplatePreviewRequestValues",
    "TemplatePreviewView",
    "TemplateRequest",
    "TestSendReport",
    "TestSendRequest",
    "TestSendResult",
    "TokenView",
    "Trigger",
    "UpdateAgentRequest",
    "UpdateContactRequest",
    "UpdateContactRequestAttributesType0",
    "UpdateWebhookRequest",
    "ViewerView",
    "WebhookAttemptView",
    "WebhookDeliveryPage",
    "WebhookDeliveryState",
    "WebhookDeliveryView",
    "WebhookView",
)
