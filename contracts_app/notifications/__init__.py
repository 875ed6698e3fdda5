"""In-app notifications: what happened that a user should look at (inbox, unread count in the header)."""
