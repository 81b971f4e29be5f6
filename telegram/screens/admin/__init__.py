"""The staff's screens (owner and admins)."""
