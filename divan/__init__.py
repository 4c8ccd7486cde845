"""The platform kernel shared by every app: users and auth, Redis, metrics, pagination, health."""
