"""The review queue: tables, the queue service and moderator sign-in."""
