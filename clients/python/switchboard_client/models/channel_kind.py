from enum import StrEnum


class ChannelKind(StrEnum):
    DISCORD = "discord"
    EMAIL = "email"
    INSTAGRAM = "instagram"
    MESSENGER = "messenger"
    TELEGRAM = "telegram"
    TWILIO = "twilio"
    VONAGE = "vonage"
    WEBHOOK = "webhook"
    WEB_CHAT = "web_chat"
    WHATSAPP = "whatsapp"

    def __str__(self) -> str:
        return str(self.value)
