"""The approval desk: the inbox and its filters, acting on tasks (approve, reject, return, transfer, urge,
bulk), delegation, drafts, and the instance's comments and attachments."""
