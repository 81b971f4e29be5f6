"""The buyer's screens."""
