"""Messenger adapters: translate between a messenger and the chat core (assistant.chat)."""
