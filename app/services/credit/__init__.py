"""The customer credit file (客户信用档案): reading it (every read audited) and the operations credit
processes call to write decisions into it."""
