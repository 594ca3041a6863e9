"""Layer 4: the deconfliction service (FastAPI over the coordinator and the store)."""

from sharedsky.service.app import create_app
from sharedsky.service.coordinator import Coordinator, ServicePolicy

__all__ = ["Coordinator", "ServicePolicy", "create_app"]
