"""`OdooSource`: the Odoo adapter behind the core's `Source` protocol (fetch, apply) plus check and init."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from adapters.odoo.apikeys import key_credentials
from adapters.odoo.approvals import read_approvals
from adapters.odoo.batch import CHANNELS as BATCHED
from adapters.odoo.client import OdooClient
from adapters.odoo.errors import OdooAccessError, OdooError
from adapters.odoo.incremental import IncrementalReader
from adapters.odoo.lease import OdooClaims
from adapters.odoo.ledger import open_items
from adapters.odoo.mapping import OdooMapping, load_mapping
from adapters.odoo.promises import read_dispute_reasons, read_plans
from adapters.odoo.rates import read_rates
from adapters.odoo.read import build_ledger, read_rows
from adapters.odoo.setup import Resolved, ensure_all
from adapters.odoo.write import Writer
from connector.credentials import Credential
from connector.errors import RelanceError
from connector.models import Ledger, Operation
from connector.protocol import CheckRow, OpenItem, Source
from connector.templates import Library

# (model, operation) pairs a daily run needs; `check` reports each.
RIGHTS = [("account.move.line", "read"), ("account.partial.reconcile", "read"), ("res.partner", "read"),
          ("res.partner", "write"), ("mail.message", "read"), ("mail.activity", "create"),
          ("ir.attachment", "create"), ("account.move", "create")]
# Rights only `relance init` needs: it reads and writes the XML IDs of what it creates, and Odoo grants
# ir.model.data to administrators only. Daily runs find those records by reference or name (setup.py),
# so `check` shows these as information, not as a failure, for the API user.
INIT_RIGHTS = [("ir.model.data", "read")]
UNCHECKED = "could not check the access right on this Odoo version"

class OdooSource(Source):
    def __init__(self, url: str, db: str, login: str, secret: str, *, protocol: str = "auto",
                 companies: tuple[int, ...] = (), mapping: str | None = None, timeout: float = 30,
                 verify_tls: bool = True, incremental: bool = True, full_every_hours: float = 24,
                 lag_minutes: float = 5, templates: Library | None = None, api_key_expires: date | None = None,
                 api_key_env: str | None = None, password: bool = False):
        context = {"allowed_company_ids": list(companies)} if companies else {}
        self.client = OdooClient(url, db, login, secret, protocol=protocol, timeout=timeout, verify_tls=verify_tls,
                                 context=context)
        self.mapping: OdooMapping = load_mapping(mapping)
        self.companies = companies
        self.client.inflight = self.mapping.writes.inflight
        self.login, self.api_key_expires, self.api_key_env = login, api_key_expires, api_key_env
        self.password = password  # the secret is the user's password (16-18): nothing expires
        self.library = templates or Library()
        self._resolved: Resolved | None = None
        self._writer: Writer | None = None
        self._rates: list | None = None
        # Later fetches by this same instance read only what changed (adapters.odoo.incremental).
        self.reader = IncrementalReader(self.client, self.mapping, lag=timedelta(minutes=lag_minutes),
                                        full_every=timedelta(hours=full_every_hours)) if incremental else None

    def _connected(self) -> None:
        if self.client.uid is None:
            self.client.connect()

    def _resolve(self) -> Resolved:
        if self._resolved is None:
            self._connected()
            self._resolved, _ = ensure_all(self.client, self.mapping, create=False, companies=self.companies)
        return self._resolved

    def _fixed_collector(self) -> int | None:
        login = self.mapping.customers.collector_login
        if self.mapping.customers.collector != "fixed" or not login:
            return None
        rows = self.client.call("res.users", "search_read", domain=[("login", "=", login)], fields=["id"], limit=1)
        if not rows:
            raise RelanceError(f"collector login {login!r} (Odoo mapping customers.collector_login) does not exist")
        return int(rows[0]["id"])

    # -- Source protocol ------------------------------------------------------------------------
    def decide(self, op: Operation, approve: bool) -> str:
        """The approval activity marked done (what Odoo's Mark as Done does) or cancelled (deleted), after making
        sure it was written."""
        self.apply(op)
        ids = self._writer_().open_approval(op.customer_id, op.key)
        if not ids:
            return f"level {op.level} ({op.level_name}): already decided"
        if approve:
            self.client.call("mail.activity", "action_feedback", ids=ids, feedback="Approved in relance review")
            return f"level {op.level} ({op.level_name}) approved: the next run sends it"
        self.client.call("mail.activity", "unlink", ids=ids)
        return f"level {op.level} ({op.level_name}) skipped: its level is passed"

    def languages(self) -> set[str]:
        """The languages active in the database: those a partner's `lang` can hold."""
        self._connected()
        return {str(r["code"]) for r in self.client.call("res.lang", "search_read", domain=[("active", "=", True)],
                                                         fields=["code"])}

    def fetch(self, as_of: date) -> Ledger:
        self._connected()
        res, rows = self.client.each(lambda read: read(), [  # the setup records found while the books are read
            self._resolve, lambda: self.reader.read(as_of) if self.reader else read_rows(self.client, self.mapping, as_of)])
        ledger = build_ledger(rows, self.mapping, excluded_tag=res.excluded_tag, fixed_collector=self._fixed_collector(),
                              debtor_tags=(res.consumer_tag, res.professional_tag),
                              companies=[c.letterhead for c in res.companies.values() if c.letterhead])
        # rates move once a day at most and a fixed indemnity converts at a past day's: read with each full read
        if self._rates is None or self.reader is None or self.reader.last_read != "incremental":
            self._rates = read_rates(self.client, rows)
        ledger.exchange_rates = list(self._rates)
        ledger.approvals = read_approvals(self.client, res.activity_types.get("approval"))
        ledger.plans = read_plans(self.client, res.activity_types.get("promise"), ledger, as_of)
        read_dispute_reasons(self.client, self.mapping, ledger)
        return ledger

    def open_items(self, as_of: date) -> list[OpenItem]:
        self._connected()
        return open_items(self.client, self.mapping, as_of, page=self.mapping.receivables.page_size)

    def apply(self, op: Operation) -> str:
        return self._writer_().apply(op)

    @property
    def batch_size(self) -> int:
        return self.mapping.writes.batch_size

    def batchable(self, op: Operation) -> bool:
        """Actions of the channels written by many-record calls (adapters/odoo/batch.py) and penalty invoices;
        debit notes, holds, hand-offs and approvals go one by one."""
        if op.kind == "penalty":
            return self.mapping.penalties.mode == "invoice"
        return op.kind == "action" and op.channel in BATCHED

    def apply_many(self, ops: Sequence[Operation]) -> dict[str, str | Exception]:
        return self._writer_().apply_many(ops)

    def _writer_(self) -> Writer:
        if self._writer is None:
            self._writer = Writer(self.client, self.mapping, self._resolve(), self.library)
            self._writer.inflight = self.mapping.writes.inflight
        return self._writer

    # -- setup and diagnosis ---------------------------------------------------------------------
    def init(self) -> list[str]:
        self._connected()
        self._resolved, log = ensure_all(self.client, self.mapping, create=True, companies=self.companies)
        return log + [f"missing: {m}" for m in self._resolved.missing]

    def check(self) -> list[CheckRow]:
        out: list[CheckRow] = []
        try:
            self._connected()
        except RelanceError as exc:
            return [("connect", False, str(exc))]
        out.append(("connect", True, f"Odoo {self.client.server_version} over {self.client.protocol} as uid {self.client.uid}"))
        for model, operation in RIGHTS:
            out.append(self._right(model, operation))
        for model, operation in INIT_RIGHTS:
            name, ok, detail = self._right(model, operation)
            if not ok:  # information, not a failure
                reason = detail if detail == UNCHECKED else "not granted"
                ok, detail = None, f"{reason} (only `relance init` needs it; run init as an administrator)"
            out.append((name, ok, detail))
        res, _ = ensure_all(self.client, self.mapping, create=False, companies=self.companies)
        out.append(("setup objects", not res.missing, "all found" if not res.missing else "; ".join(res.missing)))
        for c in res.companies.values():
            used = ", ".join(f"{kind} {c.accounts[kind][1]}" if kind in c.accounts else f"{kind} the product's"
                             for kind in ("interest", "indemnity", "fee"))
            out.append((f"company {c.name}", c.journal is not None,
                        f"chart {c.chart or 'unknown'}; sale journal account.journal {c.journal}; income accounts: {used}"
                        if c.journal else "no sale journal for penalty invoices"))
        try:
            out.append(("sender email", True, Writer(self.client, self.mapping, res).sender()))
        except RelanceError as exc:
            out.append(("sender email", False, str(exc)))
        if self.mapping.penalties.mode == "debit_note":
            user = self.client.call("res.users", "read", ids=[self.client.uid], fields=["email"])[0]
            out.append(("API user email", bool(user.get("email")), user.get("email") or (
                "account_debit_note's wizard posts a chatter message as the API user, which Odoo refuses "
                "without an email address on the user: set one in its preferences")))
        return out

    def _right(self, model: str, operation: str) -> CheckRow:
        name = f"{operation} {model}"
        for method, kwargs in (("check_access_rights", {"operation": operation, "raise_exception": False}),
                               ("has_access", {"operation": operation})):
            try:
                ok = self.client.call(model, method, **kwargs)
                return (name, bool(ok), "allowed" if ok else "missing access right")
            except OdooAccessError as exc:
                return (name, False, exc.odoo_message)
            except OdooError:
                continue  # this version has the other method
        return (name, False, UNCHECKED)

    def claims(self) -> OdooClaims:
        """Where this tenant's lease is kept (connector/lease.py): one lease per database and company set."""
        self._connected()
        return OdooClaims(self.client, f"{self.client.db} {','.join(map(str, self.companies)) or 'all'}")

    def credentials(self) -> list[Credential]:
        """The API key's expiry, as Odoo 19 gives it to the key's own user, else as relance.yaml says."""
        if self.password:
            return []
        self._connected()
        return key_credentials(self.client, self.login, self.api_key_expires, self.api_key_env)

    def close(self) -> None:
        self.client.session.close()
