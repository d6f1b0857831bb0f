"""The AI agent's endpoints: the tool catalogue and calls over HTTP (/agent) and MCP (/mcp)."""
