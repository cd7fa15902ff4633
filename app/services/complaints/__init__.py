"""Customer complaints (第四篇、第五篇): gap-free numbers, the case record, closing and reopening, and the
monthly statistics."""
