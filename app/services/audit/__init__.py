"""Reading the audit trail: who may see which events, filters, keyset pages and the Excel export."""
