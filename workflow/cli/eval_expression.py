"""`chat-transfer eval-expression` (not yet implemented)."""
