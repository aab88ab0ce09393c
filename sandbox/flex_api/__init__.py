"""Flex v1: Configuration, Interactions, Channels, Participants, Invites."""
