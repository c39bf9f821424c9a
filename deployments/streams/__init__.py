"""Live streams out of a cluster for one workflow node: its pods, their logs (SSE) and an
interactive terminal (WebSocket). Blocking adapter calls run in threads bridged to asyncio."""
