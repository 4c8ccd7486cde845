"""Feeds: a ranked personal feed per user and one per group, fanned out on write from events."""
