"""Use cases, grouped by the business area a person would name: each public function is one transaction,
called by HTML and API routes and the scheduler alike.

- ``credit``: the customer credit file (客户信用档案) and what the credit processes write into it;
- ``complaints``: customer service: complaint cases (客户投诉) and their case clock, the committee's 会签,
  statistics and penalty review; phone inquiries; the yearly satisfaction survey;
- ``desk``: the approval desk: inbox lists, acting on tasks, returns, delegation, bulk work, drafts,
  comments, attachments, saved filters;
- ``deadlines``: working days, deadline parsing, timers and their leases, overdue escalation, the
  supervisor's desk of late work, the scheduler pass, the daily digest;
- ``instances``: running processes: starting them, writing the engine's state back after each step,
  the service-task operations diagrams may call, incidents;
- ``modeling``: what process owners do: checks, deployment, diffs, process models, form versions;
- ``people``: accounts, who may see and do what, the org chart, stand-ins;
- ``notifications``: notices about work and their delivery from the outbox;
- ``common``: plumbing every area shares: transactions, domain errors, wording, backups.
"""
