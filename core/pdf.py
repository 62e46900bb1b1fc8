"""PDFs with WeasyPrint, fetching nothing but `data:` URLs and the app's own static files.

    pdf_bytes = render_pdf("checks/pdf/checklist.html", {"checklist": checklist})

PDF templates extend `pdf/base.html` (page size, margins, running header, page numbers, repeated
table headers). The default WeasyPrint fetcher would follow file:// and http(s):// links found in
the HTML, which could embed server files in a document: ours refuses everything else.
"""

from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.template.loader import render_to_string

_STATIC_ROOTS = None


def _static_roots() -> list[Path]:
    global _STATIC_ROOTS
    if _STATIC_ROOTS is None:
        _STATIC_ROOTS = [Path(p).resolve() for p in settings.STATICFILES_DIRS]
    return _STATIC_ROOTS


def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class SafeURLFetcher(URLFetcher):
        """Allows `data:` URLs and files inside the app's static folders; refuses all else."""

        def __init__(self, **kwargs):
            super().__init__(allowed_protocols={"data", "file"}, **kwargs)

        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                path = Path(unquote(urlparse(url).path)).resolve()
                if not any(path.is_relative_to(root) for root in _static_roots()):
                    raise ValueError(f"Refused to fetch {url}: outside the app's static files")
            return super().fetch(url, headers)

    return SafeURLFetcher


def html_to_pdf(html: str) -> bytes:
    import weasyprint  # imported here: it takes about a second, and only PDF work needs it

    base_url = _static_roots()[0].as_uri() + "/"
    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=_fetcher_class()()).write_pdf()


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a Django template to a PDF document."""
    return html_to_pdf(render_to_string(template_name, context))
