"""Find a function that each app may define in a module of its own (panels, traceability, breaches)."""

from collections.abc import Callable, Iterator
from importlib import import_module

from django.conf import settings


def app_hooks(module_name: str, function_name: str) -> Iterator[tuple[str, Callable]]:
    """Yield (app_label, function) for every local app whose `<app>.<module_name>` defines the function."""
    for app_label in settings.LOCAL_APPS:
        try:
            module = import_module(f"{app_label}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_label}.{module_name}":
                raise
            continue
        function = getattr(module, function_name, None)
        if function is not None:
            yield app_label, function
