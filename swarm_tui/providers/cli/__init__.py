"""Agent CLIs (Claude Code, Qwen Code, Gemini CLI, Copilot CLI, Codex) as providers."""
