"""The message pipeline: inbox row → item, clarifying question or answer → outbox reply.

See docs/PIPELINE.md. `handle` does the I/O; `dialog`, `matching`, `replies` and
`agenda` are pure.
"""
