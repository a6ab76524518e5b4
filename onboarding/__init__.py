"""Above the CRM's domains, the portal and search: what fills a company with data of its own.
Today the demo company (`demo_seed`); next, the seeding of a company signing up (issue 22)."""
