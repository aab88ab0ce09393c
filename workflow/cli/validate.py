"""`chat-transfer validate` (not yet implemented)."""
