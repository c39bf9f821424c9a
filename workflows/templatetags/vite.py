"""`{% vite_assets "src/main.tsx" %}`: script and stylesheet tags from the Vite build manifest."""

import json
from functools import cache
from pathlib import Path
from typing import Any

from django import template
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

BUILD_DIR = Path(settings.BASE_DIR) / "kubeorch" / "static" / "frontend"
MANIFEST = BUILD_DIR / ".vite" / "manifest.json"


def _read_manifest(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ImproperlyConfigured(
            f"The frontend is not built: {path} is missing. Run scripts/build-frontend "
            "(or `make run`, which builds it)."
        )
    return json.loads(path.read_text())


@cache
def _cached_manifest(path: Path, mtime: float) -> dict[str, Any]:
    return _read_manifest(path)


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    """The manifest, re-read when a rebuild changes it."""
    if not path.exists():
        return _read_manifest(path)
    return _cached_manifest(path, path.stat().st_mtime)


def _collect_css(manifest: dict[str, Any], key: str, seen: set[str]) -> list[str]:
    if key in seen or key not in manifest:
        return []
    seen.add(key)
    chunk = manifest[key]
    css = list(chunk.get("css", []))
    for imported in chunk.get("imports", []):
        css += _collect_css(manifest, imported, seen)
    return css


def asset_tags(entry: str, manifest: dict[str, Any]) -> SafeString:
    if entry not in manifest:
        raise ImproperlyConfigured(
            f"{entry!r} is not an entry of the Vite manifest; rebuild the frontend."
        )
    chunk = manifest[entry]
    css = list(dict.fromkeys(_collect_css(manifest, entry, set())))
    styles = format_html_join(
        "\n", '<link rel="stylesheet" href="{}">', ((static(f"frontend/{f}"),) for f in css)
    )
    imports = [manifest[i]["file"] for i in chunk.get("imports", []) if i in manifest]
    preloads = format_html_join(
        "\n", '<link rel="modulepreload" href="{}">', ((static(f"frontend/{f}"),) for f in imports)
    )
    script = format_html(
        '<script type="module" src="{}"></script>', static(f"frontend/{chunk['file']}")
    )
    return format_html("{}\n{}\n{}", styles, preloads, script)


@register.simple_tag
def vite_assets(entry: str = "src/main.tsx") -> SafeString:
    return asset_tags(entry, load_manifest())


@register.filter
def to_json(value: Any) -> str:
    """JSON for a data attribute; autoescaping makes it attribute-safe."""
    return json.dumps(value)
