"""What process owners do: check and deploy diagrams and decision tables, see what changed between
versions, keep the process-model overview, version task forms, and cache parsed specs."""
