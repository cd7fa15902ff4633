"""Running process instances: starting them, writing the engine's state back after each step
(``projection`` with the rows in ``rows``), the named operations service tasks may call, and incidents."""
