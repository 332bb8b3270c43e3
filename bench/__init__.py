"""Performance benchmark of demo seeding and the Overview KPIs; see bench/README.md."""
