"""`chat-transfer simulate` (not yet implemented)."""
