"""The append-only trail of who changed what, when and from where."""
