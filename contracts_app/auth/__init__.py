"""Users, memberships (user × unit × role), login and the permission predicates every view uses."""
