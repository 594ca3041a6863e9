"""sharedsky: multi-party airspace deconfliction, safety of flight only.

Layers (lower never import higher): ``units``, ``geo`` → ``model`` → ``strategic`` →
``io`` → ``cli``. Importing sharedsky reads no configuration and opens nothing.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
