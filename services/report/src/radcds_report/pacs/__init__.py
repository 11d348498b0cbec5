"""Back to the PACS: the report as DICOM (a TID 1500 Comprehensive 3D SR and an
Encapsulated PDF) and its durable delivery by C-STORE to configured destinations."""
