"""python -m radcds_ingestion: the ingestion service."""

import asyncio
import tempfile

from radcds_ingestion.server import open_storage, serve
from radcds_ingestion.settings import IngestionSettings


def main() -> None:
    settings = IngestionSettings()
    storage = open_storage(settings)
    # pynetdicom writes each incoming dataset to a temporary file; keeping it on the spool's
    # filesystem makes the commit a rename, and a crash's leftovers are cleared at start.
    tempfile.tempdir = str(storage.spool.incoming)
    asyncio.run(serve(settings, storage))


if __name__ == "__main__":
    main()
