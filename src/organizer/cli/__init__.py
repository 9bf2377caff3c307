"""The `organizer` command line: thin Typer apps over the library."""
