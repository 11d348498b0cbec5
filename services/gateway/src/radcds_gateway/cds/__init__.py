"""CDS Hooks 2.0 (https://cds-hooks.hl7.org/2.0/) in the gateway.

`mount_cds` adds discovery, the radcds services, feedback and its summary to the
gateway's FastAPI app; `CdsSettings` is the settings mixin that configures them.
"""

from radcds_gateway.cds.app import CdsComponents, mount_cds, open_cds
from radcds_gateway.cds.settings import CdsSettings

__all__ = ["CdsComponents", "CdsSettings", "mount_cds", "open_cds"]
