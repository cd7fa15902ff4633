"""Plumbing every area shares: one transaction per use case, domain errors, wording for people, backups."""
