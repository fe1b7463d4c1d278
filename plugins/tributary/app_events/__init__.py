"""Mobile-app analytics events (daily Amplitude exports) and the line/account/limit dimensions
that say which family a phone line belongs to; modelled into the `app` star schema."""
