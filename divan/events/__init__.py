"""Events: the transactional outbox, its dispatch to a Redis Stream, and the consumers that read
the stream through consumer groups (search, then feeds). See README, Events."""
