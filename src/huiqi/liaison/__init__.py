"""包联 (liaison): tiers, assignments, visits and contacts, the three 100% rates, campaigns."""
