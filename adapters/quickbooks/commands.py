"""`relance quickbooks connect`: Intuit's consent, then the token pair stored in the tenant's token file."""

from __future__ import annotations

from connector.errors import ConfigError, RelanceError
from connector.protocol import Command


def configure(parser) -> None:
    parser.description = ("Print Intuit's consent address, then take back the address your browser was redirected "
                          "to; the tokens go to the tenant's token_file (mode 0600).")


def connect_tenant(args, deployment, tenants, secrets, say, ask=None) -> int:
    from adapters.quickbooks.auth import OAuth, TokenFile, connect

    qbo = [t for t in tenants if t.system == "quickbooks"]
    if len(qbo) != 1:
        names = ", ".join(t.name for t in qbo) or "none in the config"
        raise ConfigError(str(deployment.path), f"name the one QuickBooks tenant to connect with --tenant NAME "
                                                f"(QuickBooks tenants: {names})")
    t = qbo[0]
    oauth = OAuth(t.secret(secrets, "client_id_env").get_secret_value(),
                  t.secret(secrets, "client_secret_env").get_secret_value(), TokenFile(t.token_file),
                  environment=t.environment, redirect_uri=t.redirect_uri, discovery_url=t.discovery_url,
                  realm_id=t.realm_id, verify_tls=t.verify_tls, timeout=t.timeout)
    try:
        tokens = connect(oauth, ask=ask or input, say=say)  # input looked up now: a test may replace it
    except EOFError:
        raise RelanceError("no redirect address was given: run the command again and paste it") from None
    if tokens.realm_id != t.realm_id:
        raise ConfigError(str(deployment.path), f"tenant {t.name}: you connected QuickBooks company {tokens.realm_id}, "
                                                f"but the config says realm_id {t.realm_id}: set realm_id: "
                                                f"\"{tokens.realm_id}\" (or connect the other company)")
    return 0


CONNECT = Command(name="connect", help="connect a QuickBooks company (OAuth consent) and store its tokens",
                  configure=configure, run=connect_tenant)
