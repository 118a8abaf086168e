"""Configuration: read from the environment in one place; bad settings stop
the start with one clear line."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from app.config import ROOT, ConfigError, Settings


def test_defaults_need_nothing(tmp_path):
    settings = Settings.from_env({"RETORNO_VAR_DIR": str(tmp_path)})
    assert settings.env == "development"
    assert settings.database_url == f"sqlite:///{tmp_path / 'retorno.sqlite'}"
    assert settings.redis_url is None and not settings.https
    assert settings.base_url == "http://127.0.0.1:8000"


def test_development_secret_is_generated_once_and_private(tmp_path):
    first = Settings.from_env({"RETORNO_VAR_DIR": str(tmp_path)}).secret_key
    again = Settings.from_env({"RETORNO_VAR_DIR": str(tmp_path)}).secret_key
    assert first == again and len(first) >= 32
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


@pytest.mark.parametrize(("environ", "says"), [
    ({"RETORNO_ENV": "staging"}, "RETORNO_ENV"),
    ({"RETORNO_ENV": "production"}, "SECRET_KEY es obligatoria"),
    ({"SECRET_KEY": "corta"}, "al menos 32"),
    ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
    ({"DATABASE_URL": "postgresql://localhost"}, "DATABASE_URL"),
    ({"REDIS_URL": "http://localhost:6379"}, "REDIS_URL"),
    ({"BASE_URL": "retorno.example.com"}, "BASE_URL"),
    ({"SMTP_PORT": "veinticinco"}, "SMTP_PORT"),
    ({"SMTP_SECURITY": "ssl"}, "SMTP_SECURITY"),
    ({"SESSION_IDLE_MINUTES": "0"}, "SESSION_IDLE_MINUTES"),
])
def test_bad_settings_are_refused_with_one_line(tmp_path, environ, says):
    with pytest.raises(ConfigError) as refused:
        Settings.from_env({"RETORNO_VAR_DIR": str(tmp_path), **environ})
    assert says in str(refused.value) and "\n" not in str(refused.value)


def test_production_and_https(tmp_path):
    settings = Settings.from_env({"RETORNO_VAR_DIR": str(tmp_path), "RETORNO_ENV": "production",
                                  "SECRET_KEY": "x" * 40, "BASE_URL": "https://retorno.example.com/",
                                  "DATABASE_URL": "postgresql://retorno@db/retorno", "REDIS_URL": "redis://c:6379/0"})
    assert settings.production and settings.https and settings.is_postgres
    assert settings.base_url == "https://retorno.example.com"


def test_the_command_line_prints_the_problem_and_stops(tmp_path):
    env = os.environ | {"RETORNO_ENV": "production", "RETORNO_VAR_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    done = subprocess.run([sys.executable, "-m", "app", "migrate"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "Configuración inválida: SECRET_KEY es obligatoria con RETORNO_ENV=production (32 caracteres o más)."]


def test_the_app_runs_from_any_working_directory(tmp_path):
    """A service manager may start it anywhere: nothing may depend on the project root being the cwd."""
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'otra.sqlite'}", "RETORNO_VAR_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "app", "migrate"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("Base de datos al día.")
