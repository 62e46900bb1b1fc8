"""Local development: DEBUG on, a throwaway secret key unless one is set."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "dev-only-not-secret-6c1f0e4b1f7a4d6e9b1c")

from .base import *  # noqa: E402,F403
