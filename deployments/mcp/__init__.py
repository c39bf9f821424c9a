"""The MCP server for coding agents: the artifact actions as MCP tools at `/mcp`."""
