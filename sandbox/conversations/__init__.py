"""Conversations v1: conversations (fetch by SID or unique name, update attributes) and their participants."""
