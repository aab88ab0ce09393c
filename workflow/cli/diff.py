"""`chat-transfer diff` (not yet implemented)."""
