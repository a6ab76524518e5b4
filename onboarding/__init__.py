"""Above the CRM's domains, the portal, search and billing: what makes a company and fills it.
A company signing up (`services.company_signup`: the workspace from tenants, the subscription
from billing, the CRM's default lists; the public signup page, API and `tenant_create`) and
the demo company (`demo_seed`)."""
