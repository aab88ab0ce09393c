"""`chat-transfer render` (not yet implemented)."""
