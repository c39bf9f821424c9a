from typing import Any

from rest_framework.renderers import BaseRenderer


class YAMLTextRenderer(BaseRenderer):
    """Serves an already-rendered YAML string as application/yaml."""

    media_type = "application/yaml"
    format = "yaml"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return data.encode() if isinstance(data, str) else b""
