"""Relance core: canonical receivables, collection policy, reconciler, penalties, planner and runner.

Nothing here speaks to an accounting system: adapters read into the models of `connector.models`, implement
`connector.protocol`, and apply the `Operation`s the planner returns. The flow: source -> `reconcile` -> `plan`
-> `runner` applies (see `connector.runner.run`).
"""
