"""H5 pages opened from the workbench and cards, and their static assets: one package per
area (customers, visits, contracts, stores, dashboard, admin), the identity and security
layer in web.auth, and the registry of every blueprint in web.blueprints."""
