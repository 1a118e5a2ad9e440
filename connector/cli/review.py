"""`relance review`: today's plan of each tenant on a local page, where what waits for approval is approved or
skipped (connector/review.py); the decisions go into the source system, the next run sends what was approved."""

from __future__ import annotations

import contextlib
from wsgiref.simple_server import WSGIRequestHandler, make_server

from connector.cli.output import say
from connector.cli.tenants import load_deployment
from connector.daemon import today_in
from connector.review import Review, Tenant


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


def build(args) -> tuple[Review, contextlib.ExitStack]:
    _, tenants, secrets = load_deployment(args)
    stack = contextlib.ExitStack()
    shown = []
    for t in tenants:
        source = stack.enter_context(t.open(secrets))
        shown.append(Tenant(name=t.name, source=source, policy=t.load_policy(), library=t.library,
                            as_of=args.as_of or today_in(t)))
    return Review(shown), stack


def cmd_review(args) -> int:
    review, stack = build(args)
    with stack, make_server("127.0.0.1", args.port, review, handler_class=_Quiet) as server:
        say(f"relance review: http://127.0.0.1:{server.server_port}/ (loopback only; Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0
