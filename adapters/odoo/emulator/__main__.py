"""python -m adapters.odoo.emulator --port 8069 --version 17.0 [--seed file.json]"""

import sys

from adapters.odoo.emulator.server import main

sys.exit(main())
