"""Key images: a finding's key slice in a clinical window with the AI mask over it."""
