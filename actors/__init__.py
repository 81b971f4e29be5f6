"""The running service: configuration, the CLI, the supervisor and the long-lived actors."""
