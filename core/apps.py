from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Exams office"

    def ready(self) -> None:
        from . import lookups, signals  # noqa: F401
