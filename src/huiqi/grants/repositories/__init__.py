"""SQL of the grants domain, by subject: `applications` (applications, materials, timeline,
settings, the statements access filters), `awarded` (grants held, 公示, home figures), `money`
(budget accounts, payouts, ledgers), `lists` (免申即享 lists) and `enterprises`. Each function
says what it fetches or changes; the other grants modules build no statements."""
