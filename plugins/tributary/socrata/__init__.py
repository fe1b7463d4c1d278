"""Publishing warehouse marts to Socrata open-data portals: the hook, the registry of declared
publications, the ledger of what was sent, and the upsert operator."""
