"""``aekit serve``: a local web app over saved models (FastAPI + uvicorn, 127.0.0.1 by default)."""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
