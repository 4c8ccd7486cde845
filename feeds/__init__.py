"""Feeds: ranked personal and group feeds; they arrive with the events issue."""
