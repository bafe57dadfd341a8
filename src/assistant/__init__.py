"""Policy-quote assistant: documents → passages → index → search → reply → chat adapter."""
