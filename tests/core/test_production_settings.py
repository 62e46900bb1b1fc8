"""Production settings pass `manage.py check --deploy` with no warnings, and refuse to start without secrets."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright in this process; a deployment never has it.
    dropped = ("SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args, "--settings=config.settings.production"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_is_clean():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="exams.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    dotenv = ROOT / ".env"
    if dotenv.exists() and "SECRET_KEY" in dotenv.read_text():
        pytest.skip("a local .env provides SECRET_KEY")
    result = _manage("check", ALLOWED_HOSTS="exams.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
