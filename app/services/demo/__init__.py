"""The demo company at work: a realistic working day of applications, complaints, an escalation and a
delegation, made through the same use cases people use, so every role's inbox and desk has something."""
