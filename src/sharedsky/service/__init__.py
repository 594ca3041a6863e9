"""Layer 4: the deconfliction service (FastAPI over the coordinator and the store)."""

from sharedsky.service.app import create_app
from sharedsky.service.coordinator import Coordinator, ServicePolicy
from sharedsky.service.ledger import LedgerService, load_signing_key

__all__ = ["Coordinator", "LedgerService", "ServicePolicy", "create_app", "load_signing_key"]
