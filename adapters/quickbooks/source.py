"""`QuickBooksSource`: the QuickBooks Online adapter behind the core's `Source` protocol (fetch, apply),
`Batching` (note-only actions through the batch endpoint), plus check, init and close."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timezone
from pathlib import Path

import requests

from adapters.quickbooks.credits import dated
from adapters.quickbooks.ledger import open_items
from adapters.quickbooks.promises import read_plans
from adapters.quickbooks.auth import OAuth, StaticToken, TokenFile
from adapters.quickbooks.client import MAX_BATCH, QuickBooksClient
from adapters.quickbooks.pacing import Pacer
from adapters.quickbooks.errors import QuickBooksAuthError
from adapters.quickbooks.lease import QuickBooksClaims
from adapters.quickbooks.mapping import QuickBooksMapping, load_mapping
from adapters.quickbooks.setup import Resolved, builtin_late_fees, ensure_all
from adapters.quickbooks.customers import letterhead
from adapters.quickbooks.read import Reader
from adapters.quickbooks.write import NOTE_ONLY, Writer
from connector import approvals
from connector.credentials import Credential
from connector.errors import ConfigError, RelanceError
from connector.models import Ledger, Letterhead, Operation
from connector.protocol import CheckRow, OpenItem, Source
from connector.templates import Library


class QuickBooksSource(Source):
    def __init__(self, realm_id: str, *, environment: str = "sandbox", token_file: str | Path,
                 client_id_env: str = "QBO_CLIENT_ID", client_secret_env: str = "QBO_CLIENT_SECRET",
                 mapping: str | Path | None = None, minor_version: int | None = None, base_url: str | None = None,
                 discovery_url: str | None = None, refresh_token_env: str | None = None, timeout: float = 30,
                 secrets: Mapping[str, str] | None = None, auth=None, pacer: Pacer | None = None,
                 redirect_uri: str = "", verify_tls: bool = True, templates: Library | None = None):
        """`*_env` name variables, looked up in `secrets` (the config's loaded secrets) then the environment."""
        self.realm_id = str(realm_id)
        self.library = templates or Library()
        self.mapping: QuickBooksMapping = load_mapping(mapping)

        def secret(name: str | None) -> str:
            return ((secrets or {}).get(name) or os.environ.get(name, "")) if name else ""

        if auth is None:
            client_id, client_secret = secret(client_id_env), secret(client_secret_env)
            if not client_id or not client_secret:
                raise ConfigError(f"QuickBooks company {realm_id}",
                                  f"environment variables {client_id_env} and {client_secret_env} must hold the app's "
                                  f"client id and secret")
            auth = OAuth(client_id, client_secret, TokenFile(token_file), environment=environment,
                         discovery_url=discovery_url, realm_id=self.realm_id, redirect_uri=redirect_uri,
                         initial_refresh_token=secret(refresh_token_env) or None, verify_tls=verify_tls, timeout=timeout)
        self.auth = auth
        session = requests.Session()
        session.verify = verify_tls
        pacer = pacer or Pacer(batch_per_minute=self.mapping.batch_per_minute)
        self.client = QuickBooksClient(self.realm_id, auth, environment=environment, base_url=base_url,
                                       minor_version=minor_version, timeout=timeout, pacer=pacer, session=session)
        self.reader = Reader(self.client, self.mapping)
        self._resolved: Resolved | None = None
        self._writer: Writer | None = None

    def credentials(self) -> list[Credential]:
        """The refresh token's hard expiry, as Intuit's token answer gave it (`x_refresh_token_expires_in`) and
        the token file keeps it: past it, only `relance quickbooks connect` brings the company back."""
        store = getattr(self.auth, "store", None)
        if store is None:  # a fixed access token: nothing to refresh
            return []
        tokens = store.load()
        remedy = f"run `relance quickbooks connect` for company {self.realm_id} before then"
        label = f"QuickBooks refresh token of company {self.realm_id}"
        if tokens is None or tokens.refresh_expires_at is None:
            return [Credential("refresh_token", label, None, f"the token file {store.path} holds no expiry", remedy)]
        day = datetime.fromtimestamp(tokens.refresh_expires_at, timezone.utc).date()
        return [Credential("refresh_token", label, day, f"token file {store.path}", remedy)]

    @classmethod
    def with_token(cls, realm_id: str, access_token: str, **kw) -> QuickBooksSource:
        """A source on a fixed access token (a sandbox test, or tokens managed by another tool)."""
        return cls(realm_id, token_file=os.devnull, auth=StaticToken(access_token), **kw)

    def _resolve(self) -> Resolved:
        if self._resolved is None:
            self._resolved, _ = ensure_all(self.client, self.mapping, create=False)
        return self._resolved

    # -- Source protocol ------------------------------------------------------------------------
    def fetch(self, as_of: date) -> Ledger:
        ledger = self.reader.fetch(as_of)
        snap = self.reader.snapshot
        ledger.credits = dated(ledger.credits, snap.objects, snap.home_currency)  # when each was applied
        ledger.approvals = approvals.from_history(ledger.history)  # the requests and decisions are notes
        ledger.plans = read_plans(snap.objects.get("Attachable", {}).values(), ledger, as_of)
        return ledger

    def open_items(self, as_of: date) -> list[OpenItem]:
        return open_items(self.client, as_of, page=self.mapping.receivables.page_size)

    def apply(self, op: Operation) -> str:
        return self._writer_().apply(op)

    def apply_many(self, ops: Sequence[Operation]) -> dict[str, str | Exception]:
        """Several operations, note-only ones through the batch endpoint: key -> reference or error."""
        return self._writer_().apply_many(ops)

    @property
    def batch_size(self) -> int:
        return min(self.mapping.batch_size, MAX_BATCH)

    def batchable(self, op: Operation) -> bool:
        """An action that is only a note (no e-mail, no invoice change): the runner batches those."""
        return op.kind == "action" and op.channel in NOTE_ONLY

    def _writer_(self) -> Writer:
        if self._writer is None:
            self._writer = Writer(self.client, self.mapping, self._resolve(), self._letterhead(), self.library)
        return self._writer

    # -- setup and diagnosis ---------------------------------------------------------------------
    def init(self) -> list[str]:
        self._resolved, log = ensure_all(self.client, self.mapping, create=True)
        return log + [f"missing: {m}" for m in self._resolved.missing]

    def check(self) -> list[CheckRow]:
        out: list[CheckRow] = []
        try:
            info = self.client.request("GET", f"companyinfo/{self.realm_id}", where="CompanyInfo")["CompanyInfo"]
        except RelanceError as exc:
            hint = " (run `relance quickbooks connect`)" if isinstance(exc, QuickBooksAuthError) else ""
            return [("connect", False, f"{exc}{hint}")]
        out.append(("connect", True, f"QuickBooks company {info.get('CompanyName', '?')} ({self.realm_id}), "
                                     f"minor version {self.client.minor_version}"))
        res, _ = ensure_all(self.client, self.mapping, create=False)
        out.append(("setup objects", not res.missing, "all found" if not res.missing else "; ".join(res.missing)))
        found, what = builtin_late_fees(self.client, self.mapping)
        out.append(("QuickBooks automatic late fees", not found,
                    ("seem turned on: " + what + ". Relance counts a QuickBooks late-fee line already on an invoice "
                     "as a fee charged, but interest and fees of the policy come on top of later ones: turn one "
                     "of the two off (Account and settings > Sales > Late fees, or the policy's penalties)")
                    if found else "not turned on"))
        return out

    def _letterhead(self) -> Letterhead:
        """Who signs, from CompanyInfo (Intuit's CompanyName, LegalName, CompanyAddr, PrimaryPhone, Email)."""
        try:
            info = self.client.request("GET", f"companyinfo/{self.realm_id}", where="CompanyInfo")["CompanyInfo"]
        except RelanceError:
            return Letterhead(name="")
        return letterhead(info)

    def decide(self, op: Operation, approve: bool) -> str:
        """A decision note on the customer, after making sure the request note is there."""
        self.apply(op)
        return self._writer_().decision_note(op, approve)

    def languages(self) -> set[str]:
        """QuickBooks keeps no language per customer: the mapping's one language for all, when it names one."""
        return {self.mapping.customers.lang} if self.mapping.customers.lang else set()

    def claims(self) -> QuickBooksClaims | None:
        """Where this company's lease is kept (connector/lease.py): notes on Relance's interest item, so
        none before `relance init` created it."""
        item = self._resolve().items.get("interest")
        return QuickBooksClaims(self.client, item["value"]) if item else None

    def close(self) -> None:
        self.client.session.close()
