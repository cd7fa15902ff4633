"""People and their rights: accounts and passwords, who may see and act on what, the org chart and roles,
and stand-ins."""
