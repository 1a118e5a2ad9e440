"""QuickBooks Online over its REST API (OAuth 2.0, CDC, batch, webhooks): the adapter the registry lists."""

from adapters.quickbooks.commands import CONNECT
from adapters.quickbooks.config import QuickBooksTenant
from adapters.quickbooks.webhook import wsgi_app
from connector.protocol import Adapter, WebhookApp


ADAPTER = Adapter(system="quickbooks", label="QuickBooks Online", tenant=QuickBooksTenant,
                  commands=(CONNECT,), webhook=WebhookApp(wsgi_app))
