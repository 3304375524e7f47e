"""The swarm's own types and rules, shared by every layer and importing none of them:
tasks, attempts, states, rows, events, tool names, redaction and private files."""
