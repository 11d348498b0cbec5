"""`python -m radcds_cli` is the `radcds` command."""

from radcds_cli.main import app

app()
