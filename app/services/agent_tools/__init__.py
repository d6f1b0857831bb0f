"""The tools the AI agent calls: a registry of declared tools, their handlers, agent keys,
the confirmation step of writes and the audit log. Importing this package registers every tool."""
from app.services.agent_tools.registry import (  # noqa: F401
    CallerContext,
    Tool,
    ToolConflict,
    ToolError,
    ToolForbidden,
    ToolInputInvalid,
    ToolNotFound,
    ToolUpstreamError,
    all_tools,
    get_tool,
    register,
    tool_from_file,
    tools_for,
)

# Importing a tool module registers its tools.
from app.services.agent_tools import orders, products, customers, writes  # noqa: E402,F401
from app.services.agent_tools import profile_tools  # noqa: E402,F401
