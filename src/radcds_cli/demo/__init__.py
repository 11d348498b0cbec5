"""`radcds demo`: the suite's main job end to end (command.py runs it)."""

from radcds_cli.demo.command import demo

__all__ = ["demo"]
