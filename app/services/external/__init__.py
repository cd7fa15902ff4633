"""Work done outside the app: external tasks that workers fetch, lock and complete (Camunda's
external-task protocol), and the other use cases Camunda 7 clients call — start by key, messages."""
