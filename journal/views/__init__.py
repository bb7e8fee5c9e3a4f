"""HTTP views, split by audience: accounts (public pages), home pages, and feature modules."""
