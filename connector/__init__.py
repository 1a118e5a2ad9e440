"""Relance core: canonical receivables, collection policy, reconciler, penalties and planner.

Nothing here speaks to an accounting system: adapters read into the models of
`connector.models` and apply the `Operation`s the planner returns.
"""

from connector.runner import RunResult, run

__all__ = ["run", "RunResult"]
